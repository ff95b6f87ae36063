"""City of Larkhaven: annual budget FY 2025-26 and audited financial report FY 2023-24 (fictional; CC0 1.0).

A municipal budget book of the usual shape: budget message, executive summary, community profile, budget
overview with charts, one chapter per department (overview, divisions, accomplishments, goals, performance
measures, budget summary table, staffing table, outlook), capital programme, debt, financial statements,
the independent auditor's report, conclusion, appendices, and scanned signed documents (the budget
resolution, a mutual aid agreement) that have no text layer. The department chapters name the department
and its budget on nearly every page, so the words of "What is the X Department's budget?" are everywhere
and only the table holds the figure.
"""

from __future__ import annotations

import random

from make import DocBuilder, Filler, line_chart, pie_chart

CITY = "City of Larkhaven"
FOOTER = "City of Larkhaven | Budget FY 2025-26 and Financial Report FY 2023-24"
POPULATION = 84350
YEARS = ["Actual 2023-24", "Adopted 2024-25", "Proposed 2025-26"]


def _low(s: str) -> str:
    """A subject inside a sentence: "The Police Department" -> "the Police Department", "Fire crews" ->
    "fire crews", but "Parks and Recreation staff" keeps its capitals."""
    first, *rest = s.split()
    if first in {"The", "Each", "Our", "Every"} or all(w.islower() for w in rest):
        return s[0].lower() + s[1:]
    return s


TEMPLATES = [
    lambda r, p: f"{p('opener')}, {_low(p('subject'))} {p('verb')} {p('object')} {p('tail')}",
    lambda r, p: f"{p('subject')} {p('verb')} {p('object')} {p('tail')}",
    lambda r, p: f"{p('subject')} {p('verb')} {p('object')}, while {_low(p('subject'))} {p('verb')} {p('object')}",
    lambda r, p: f"{p('subject')} {p('verb')} {p('object')} and {p('verb')} {p('object')} {p('tail')}",
    lambda r, p: f"The {p('budget_ref')} {p('budget_verb')} {p('object')} {p('tail')}",
    lambda r, p: f"{p('subject')} will continue to {p('inf')} {p('object')} {p('tail')}",
    lambda r, p: f"{p('lead')} {p('reason')}",
    lambda r, p: f"{p('opener')}, the {p('budget_ref')} {p('budget_verb')} {p('object')}",
]

VOCAB = {
    "opener": [
        "During the fiscal year",
        "Over the past twelve months",
        "In line with the Council's strategic priorities",
        "Following extensive community input",
        "As in prior budget cycles",
        "With rising costs for materials and labor",
        "Looking ahead to the next fiscal year",
        "In coordination with the City Manager's Office",
        "After a careful review of service levels",
        "Consistent with the adopted financial policies",
        "Throughout the budget process",
        "In response to resident feedback",
        "Despite continued pressure on revenues",
        "Within the limits of available funding",
        "As part of the citywide efficiency review",
        "Since the last budget was adopted",
        "Under the direction of the City Council",
        "Wherever it was practical",
    ],
    "subject": [
        "The City",
        "City staff",
        "The City Council",
        "The budget team",
        "Each department",
        "Department directors",
        "The City Manager's Office",
        "Management",
        "The Budget Advisory Committee",
        "The executive team",
        "Staff in every department",
        "The Finance Department",
        "The organization",
    ],
    "verb": [
        "reviewed",
        "expanded",
        "strengthened",
        "reorganized",
        "continued to fund",
        "prioritized",
        "monitored closely",
        "evaluated",
        "streamlined",
        "invested in",
        "maintained",
        "reduced spending on",
        "updated",
        "coordinated",
        "improved",
        "documented",
        "benchmarked",
        "consolidated",
        "renegotiated",
        "scaled back",
    ],
    "inf": [
        "review",
        "expand",
        "strengthen",
        "monitor",
        "fund",
        "improve",
        "evaluate",
        "support",
        "maintain",
        "modernize",
        "protect",
        "track",
    ],
    "object": [
        "service levels across the organization",
        "the long-term financial forecast",
        "its reserve policies",
        "the replacement schedule for vehicles and equipment",
        "customer service standards",
        "contracts with outside vendors",
        "the use of overtime",
        "performance measures",
        "training for front-line employees",
        "the cost of services provided to residents",
        "the condition of City facilities",
        "grant applications",
        "the allocation of overhead costs",
        "data on service requests",
        "energy use in public buildings",
        "the pension and retiree health obligations",
        "cybersecurity safeguards",
        "the online permit portal",
        "public outreach about the budget",
        "the fee schedule",
    ],
    "tail": [
        "to keep pace with demand.",
        "within existing resources.",
        "as directed by the City Council.",
        "in partnership with community organizations.",
        "to improve outcomes for residents.",
        "while holding the line on costs.",
        "in keeping with the adopted budget.",
        "over the course of the year.",
        "to reduce long-term liabilities.",
        "without adding staff.",
        "as described in the following sections.",
        "for the coming budget year.",
        "to comply with state requirements.",
        "in every part of the city.",
        "so that services remain reliable.",
        "with measurable results.",
    ],
    "budget_ref": [
        "proposed budget",
        "adopted budget",
        "operating budget for the coming year",
        "two-year financial plan",
        "General Fund budget",
        "budget for fiscal year twenty-five twenty-six",
    ],
    "budget_verb": [
        "includes funding for",
        "continues support for",
        "provides resources for",
        "sets aside money for",
        "maintains current funding for",
        "reduces funding for",
        "adds modest resources for",
    ],
    "lead": [
        "This reflects",
        "The change reflects",
        "The increase reflects",
        "The decrease is explained by",
        "Much of this is driven by",
        "The main reason is",
    ],
    "reason": [
        "higher costs for health insurance and pensions.",
        "the end of one-time federal grants.",
        "negotiated salary increases for represented employees.",
        "inflation in construction and materials prices.",
        "a shift of positions between funds.",
        "lower interest earnings on City reserves.",
        "savings from the consolidation of office space.",
        "growth in demand from new residential developments.",
        "the Council's decision to restore evening hours at public counters.",
        "the transfer of a program to the County.",
    ],
}


# name, short name, divisions, topic subjects, topic objects, performance rows (label, 3 values), staffing
DEPARTMENTS = [
    dict(
        name="City Council and City Manager's Office",
        short="City Manager's Office",
        divisions=["City Council", "City Manager", "City Clerk", "Communications"],
        subjects=["The City Manager's Office", "The City Clerk", "The communications team", "The Mayor and Council"],
        objects=[
            "the agendas of Council meetings",
            "the public records request process",
            "the City's social media channels",
            "the legislative program",
            "the City Manager's Office budget",
            "the citywide strategic plan",
        ],
        perf=[
            ("Public records requests completed within ten days (%)", "91", "93", "95"),
            ("Council agenda packets published on time (%)", "97", "98", "100"),
        ],
    ),
    dict(
        name="Finance Department",
        short="Finance",
        divisions=["Accounting", "Budget", "Purchasing", "Revenue and Collections"],
        subjects=["The Finance Department", "The Accounting Division", "The purchasing staff", "The revenue team"],
        objects=[
            "the annual audit schedule",
            "the Finance Department budget",
            "the procurement card program",
            "business license collections",
            "the investment policy",
            "month-end closing procedures",
        ],
        perf=[
            ("Vendor invoices paid within thirty days (%)", "88", "92", "95"),
            ("Business licenses renewed online (%)", "61", "68", "75"),
        ],
    ),
    dict(
        name="Human Resources Department",
        short="Human Resources",
        divisions=["Recruitment", "Benefits", "Labor Relations", "Risk Management"],
        subjects=[
            "The Human Resources Department",
            "The recruitment team",
            "The benefits staff",
            "Risk management staff",
        ],
        objects=[
            "the time it takes to fill vacant positions",
            "the Human Resources budget",
            "workers' compensation claims",
            "labor negotiations with employee associations",
            "the employee wellness program",
            "the classification study",
        ],
        perf=[
            ("Average days to fill a vacant position", "74", "66", "60"),
            ("Employee turnover rate (%)", "11.2", "10.4", "9.5"),
        ],
    ),
    dict(
        name="Information Technology Department",
        short="Information Technology",
        divisions=["Infrastructure", "Applications", "Geographic Information Systems", "Service Desk"],
        subjects=["The Information Technology Department", "The service desk", "The GIS team", "Network engineers"],
        objects=[
            "the replacement of aging servers",
            "the Information Technology budget",
            "multi-factor authentication",
            "the enterprise resource planning system",
            "the public Wi-Fi network",
            "software licensing costs",
        ],
        perf=[
            ("Service desk tickets resolved on first contact (%)", "64", "69", "72"),
            ("Network availability (%)", "99.82", "99.87", "99.90"),
        ],
    ),
    dict(
        name="Police Department",
        short="Police",
        divisions=["Patrol", "Investigations", "Communications and Dispatch", "Community Policing", "Support Services"],
        subjects=[
            "The Police Department",
            "Patrol officers",
            "The Investigations Bureau",
            "Police dispatchers",
            "The Chief of Police",
            "Community policing officers",
        ],
        objects=[
            "the Police Department budget",
            "response times to priority calls",
            "the body-worn camera program",
            "overtime in the patrol division",
            "recruitment of new officers",
            "neighborhood watch groups",
            "training in crisis intervention",
            "the replacement of patrol vehicles",
        ],
        perf=[
            ("Average response time to priority one calls (minutes)", "7.8", "7.5", "7.0"),
            ("Part one crimes per thousand residents", "31.4", "29.9", "28.5"),
        ],
    ),
    dict(
        name="Fire and Rescue Department",
        short="Fire and Rescue",
        divisions=["Operations", "Fire Prevention", "Emergency Medical Services", "Training", "Emergency Management"],
        subjects=["The Fire and Rescue Department", "Fire crews", "The Fire Marshal", "Paramedics", "The Fire Chief"],
        objects=[
            "the Fire and Rescue budget",
            "fire inspections of commercial buildings",
            "the apparatus replacement plan",
            "emergency medical services",
            "wildland fire readiness",
            "mutual aid with neighboring agencies",
            "the staffing of fire stations",
            "public education on fire safety",
        ],
        perf=[
            ("Average response time to emergency calls (minutes:seconds)", "6:41", "6:24", "6:00"),
            ("Commercial fire inspections completed", "2,915", "3,120", "3,300"),
        ],
    ),
    dict(
        name="Public Works Department",
        short="Public Works",
        divisions=["Street Maintenance", "Engineering", "Fleet Services", "Facilities Maintenance", "Solid Waste"],
        subjects=[
            "The Public Works Department",
            "Street maintenance crews",
            "The City Engineer",
            "Fleet Services",
            "Public Works staff",
        ],
        objects=[
            "the Public Works budget",
            "pothole repairs",
            "the pavement management program",
            "street sweeping routes",
            "the maintenance of City buildings",
            "the fleet of heavy equipment",
            "storm drain cleaning",
            "traffic signal maintenance",
        ],
        perf=[
            ("Pothole repairs completed within two business days (%)", "78", "84", "90"),
            ("Pavement condition index (citywide average)", "64", "65", "66"),
        ],
    ),
    dict(
        name="Parks and Recreation Department",
        short="Parks and Recreation",
        divisions=["Park Maintenance", "Recreation Programs", "Aquatics", "Urban Forestry", "Senior Center"],
        subjects=[
            "The Parks and Recreation Department",
            "Parks and Recreation staff",
            "Park maintenance crews",
            "The Recreation Division",
            "Aquatics staff",
            "The urban forestry team",
        ],
        objects=[
            "the Parks and Recreation budget",
            "maintenance of neighborhood parks",
            "recreation programs for youth and seniors",
            "the urban forestry program",
            "aquatics and summer camp offerings",
            "irrigation systems in the parks",
            "fees for sports fields and picnic shelters",
            "the parks master plan",
        ],
        perf=[
            ("Recreation program enrollments", "18,240", "19,105", "19,600"),
            ("Trees planted in parks and streets", "1,140", "1,310", "1,400"),
        ],
    ),
    dict(
        name="Library Services",
        short="Library",
        divisions=["Central Library", "Branch Libraries", "Youth Services", "Collections and Technical Services"],
        subjects=[
            "Library Services",
            "The Central Library",
            "Branch library staff",
            "Youth services librarians",
            "The Library Board",
        ],
        objects=[
            "the Library Services budget",
            "the collection of books and digital media",
            "opening hours at branch libraries",
            "early literacy programs",
            "the homework help centers",
            "public computers and printing",
        ],
        perf=[
            ("Items borrowed (physical and digital)", "902,400", "948,700", "975,000"),
            ("Library visits", "486,300", "512,900", "530,000"),
        ],
    ),
    dict(
        name="Planning and Community Development",
        short="Planning",
        divisions=["Current Planning", "Long Range Planning", "Building and Safety", "Code Enforcement"],
        subjects=[
            "Planning and Community Development",
            "The Planning Commission",
            "Building inspectors",
            "Code enforcement officers",
            "Planning staff",
        ],
        objects=[
            "the Planning and Community Development budget",
            "the review of development applications",
            "the General Plan update",
            "building permit processing",
            "zoning code amendments",
            "short-term rental rules",
        ],
        perf=[
            ("Building plan checks completed within twenty days (%)", "72", "80", "85"),
            ("Code enforcement cases closed", "1,862", "1,940", "2,000"),
        ],
    ),
    dict(
        name="Housing and Neighborhood Services",
        short="Housing",
        divisions=["Affordable Housing", "Homeless Services", "Neighborhood Preservation"],
        subjects=["Housing and Neighborhood Services", "The housing team", "Outreach workers", "The Housing Authority"],
        objects=[
            "the Housing and Neighborhood Services budget",
            "affordable housing agreements",
            "the rental assistance program",
            "shelter capacity",
            "the home repair grants for seniors",
            "the inclusionary housing program",
        ],
        perf=[
            ("Households assisted with rent", "412", "455", "480"),
            ("Affordable units under construction", "236", "318", "350"),
        ],
    ),
    dict(
        name="Water and Sewer Utility",
        short="Water and Sewer",
        divisions=[
            "Water Production",
            "Water Distribution",
            "Wastewater Collection",
            "Wastewater Treatment",
            "Customer Service",
        ],
        subjects=[
            "The Water and Sewer Utility",
            "Utility operators",
            "Treatment plant staff",
            "The utility's engineers",
        ],
        objects=[
            "the Water and Sewer Utility budget",
            "water main replacements",
            "the wastewater treatment plant",
            "water quality testing",
            "utility rates",
            "leak detection",
            "the sewer lining program",
        ],
        perf=[
            ("Water main breaks per hundred miles of pipe", "14.1", "12.6", "11.5"),
            ("Sewer overflows reported", "9", "7", "5"),
        ],
    ),
    dict(
        name="Transportation and Transit",
        short="Transportation",
        divisions=["Transit Operations", "Traffic Engineering", "Parking Services", "Active Transportation"],
        subjects=["Transportation and Transit", "Transit operators", "Traffic engineers", "Parking services staff"],
        objects=[
            "the Transportation and Transit budget",
            "bus service frequency",
            "the bicycle network",
            "parking enforcement",
            "the electric bus fleet",
            "school crossing safety",
        ],
        perf=[
            ("Transit boardings", "2,214,000", "2,306,000", "2,380,000"),
            ("On-time bus departures (%)", "86", "88", "90"),
        ],
    ),
]


def _money(v: int) -> str:
    return f"{v:,}"


def _budget(rng: random.Random, scale: int) -> list[list[int]]:
    """Budget rows (personnel, materials, contractual, utilities, capital) for the three years."""
    base = [int(scale * f * rng.uniform(0.9, 1.1)) // 100 * 100 for f in (0.62, 0.09, 0.16, 0.05, 0.08)]
    cols = [base]
    for growth in (1.04, 1.035):
        cols.append([int(v * growth * rng.uniform(0.97, 1.03)) // 100 * 100 for v in cols[-1]])
    return cols


def document() -> DocBuilder:
    rng = random.Random(2025)
    f = Filler(VOCAB, TEMPLATES, seed=2526)
    b = DocBuilder(
        "larkhaven_budget_2025",
        title="City of Larkhaven - Annual Budget FY 2025-26 and Financial Report FY 2023-24",
        footer=FOOTER,
        folio="Page",
        paper="letter",
        filler=f,
        scale=1.45,
    )
    b.title_page(
        "City of Larkhaven<br/>Annual Budget Fiscal Year 2025-26",
        [
            "with the Audited Financial Statements for the Fiscal Year Ended 30 June 2024",
            "Northshire County",
            "Fictional city - synthetic evaluation document (CC0)",
        ],
    )

    # ---- 1. budget message
    b.chapter("1. Budget Message from the City Manager")
    b.para("To the Honorable Mayor, Members of the City Council, and the residents of Larkhaven:")
    b.filler(14)
    b.para("It is my privilege to present a balanced budget that protects the services residents rely on every day.")
    b.filler(10)
    b.para("Respectfully submitted,", "sig")
    b.para("Marisol Eddington", "sig")
    b.para("City Manager", "sig")

    # ---- 2. executive summary
    b.chapter("2. Executive Summary")
    b.para(
        "This document presents the City of Larkhaven's proposed operating and capital budget for fiscal year "
        "2025-26, together with the audited financial statements for fiscal year 2023-24 and the opinion of the "
        "City's independent auditors."
    )
    b.h2("2.1 Purpose of this report")
    b.para(
        "The budget is the City's most important policy document: it sets out which services Larkhaven will "
        "provide, what they will cost, and how they will be paid for, and it lets residents hold the City "
        "accountable for how public money is spent."
    )
    b.filler(6)
    b.h2("2.2 Budget at a glance")
    b.filler(8)
    b.h2("2.3 Key changes from the prior year")
    b.filler(8)
    b.h2("2.4 Financial condition")
    b.filler(7)

    b.chapter("Proof of publication of the public hearing notice (signed copy)", level=2, scanned=True)
    b.para("AFFIDAVIT OF PUBLICATION", "sig")
    b.para(
        "The undersigned, principal clerk of the Larkhaven Courier, a newspaper of general circulation, certifies "
        "that the notice of public hearing on the proposed budget was published in each regular edition of the "
        "newspaper for two consecutive weeks before the hearing."
    )
    b.filler(3)

    # ---- 3. community profile
    b.chapter("3. Community Profile")
    b.filler(6)
    b.para(
        "According to the state demographer, Larkhaven had an estimated population of 84,350 residents on "
        "1 January 2025, an increase of just under one percent over the previous year."
    )
    b.filler(8)
    b.h2("3.1 Economy and employment")
    b.filler(5)
    b.para(
        "St. Brendan Regional Medical Center remains the largest employer in Larkhaven, with 3,140 employees on "
        "its main campus and in its outpatient clinics."
    )
    b.filler(8)
    b.h2("3.2 Housing and land use")
    b.filler(10)
    b.h2("3.3 Education and culture")
    b.filler(10)

    # ---- 4. budget overview
    b.chapter("4. Budget Overview")
    b.filler(5)
    b.h2("4.1 General Fund revenues")
    b.filler(4)
    revenue = [
        ("Property tax", 58412000),
        ("Sales and use tax", 31906500),
        ("Utility users tax", 9884200),
        ("Franchise fees", 5127300),
        ("Licenses and permits", 3406900),
        ("Charges for services", 12773400),
        ("Fines and forfeitures", 1215800),
        ("Intergovernmental revenue", 6938100),
        ("Investment income", 1902600),
        ("Other revenue", 1133200),
    ]
    total_rev = sum(v for _, v in revenue)
    b.table(
        [["Revenue source", "Proposed 2025-26 ($)"]]
        + [[k, _money(v)] for k, v in revenue]
        + [["Total General Fund revenues", _money(total_rev)]],
        caption="Table 4.1 General Fund revenues by source",
    )
    b.filler(7)
    b.h2("4.2 Property tax")
    b.filler(4)
    b.para(
        "The proposed property tax rate for fiscal year 2025-26 is 0.6090 dollars per 100 dollars of assessed "
        "value, the lowest rate the City has levied in more than a decade."
    )
    rates = [0.6480, 0.6480, 0.6395, 0.6395, 0.6310, 0.6265, 0.6225, 0.6225, 0.6170, 0.6125]
    b.chart(
        line_chart("Property tax rate per $100 of assessed value", [str(y) for y in range(2016, 2026)], rates),
        "Figure 4.2 Property tax rate history",
        forbid=["0.6310", "0.6265", "0.6170"],
    )
    b.filler(8)
    b.h2("4.3 General Fund expenditures")
    b.filler(4)
    spend = [
        ("Public safety", 47.8),
        ("General government", 14.1),
        ("Public works", 12.6),
        ("Community services", 10.9),
        ("Planning and housing", 6.3),
        ("Other", 8.3),
    ]
    b.chart(
        pie_chart("Where each General Fund dollar goes, FY 2025-26", [k for k, _ in spend], [v for _, v in spend]),
        "Figure 4.3 General Fund spending by function",
        forbid=["47.8"],
    )
    b.filler(8)
    b.h2("4.4 Appropriations by fund")
    b.table(
        [
            ["Fund", YEARS[1] + " ($)", YEARS[2] + " ($)"],
            ["General Fund", "128,940,600", "131,642,800"],
            ["Water and Sewer Enterprise Fund", "61,208,300", "63,915,700"],
            ["Transit Fund", "24,116,900", "25,402,300"],
            ["Capital Projects Fund", "41,870,000", "47,335,500"],
            ["Debt Service Fund", "17,640,200", "17,091,400"],
            ["Internal Service Funds", "22,315,800", "23,004,600"],
        ],
        caption="Table 4.4 Appropriations by fund",
    )
    b.filler(10)
    b.h2("4.5 Reserves")
    b.filler(10)

    # ---- 5-17. departments
    dept_tables: dict[str, list[list[int]]] = {}
    scales = [4.1, 6.3, 3.9, 7.2, 41.5, 29.8, 22.4, 14.0, 9.6, 8.7, 5.2, 38.0, 18.9]
    for number, (d, scale) in enumerate(zip(DEPARTMENTS, scales, strict=True), start=5):
        cols = _budget(rng, int(scale * 1_000_000))
        dept_tables[d["short"]] = cols
        _department(b, number, d, cols, rng)
        if d["short"] == "Fire and Rescue":
            b.chapter(
                "Mutual aid agreement with the Northshire County Fire District (signed copy)", level=2, scanned=True
            )
            b.para("MUTUAL AID AND AUTOMATIC RESPONSE AGREEMENT", "sig")
            b.para(
                "This agreement between the City of Larkhaven and the Northshire County Fire District provides "
                "that the closest available engine company responds to structure fires and medical emergencies "
                "along the shared boundary, regardless of jurisdiction."
            )
            b.para(
                "The agreement takes effect on 1 September 2024 and runs for five years; either party may withdraw "
                "with one hundred eighty days' written notice."
            )
            b.para(
                "Signed: Roberto Vance, Fire Chief, City of Larkhaven; Helen Marsh, Chief, Northshire County Fire District."
            )
        if d["short"] == "Water and Sewer":
            b.h2(f"{number}.9 Utility revenues")
            b.filler(3)
            b.table(
                [
                    ["Revenue", YEARS[1] + " ($)", YEARS[2] + " ($)"],
                    ["Water sales", "27,904,100", "29,118,600"],
                    ["Sewer service charges", "16,772,500", "17,406,900"],
                    ["Connection fees", "1,208,400", "1,164,300"],
                    ["Other operating revenue", "612,800", "660,200"],
                    ["Total operating revenues", "46,497,800", "48,350,000"],
                ],
                caption="Table 16.9 Water and Sewer Utility operating revenues",
            )
            b.filler(5)

    f.topic = {}  # the chapters after the departments speak of the whole city again

    # ---- 18. capital improvement program
    b.chapter("18. Capital Improvement Program")
    b.filler(10)
    b.h2("18.1 Major projects")
    b.filler(4)
    b.table(
        [
            ["Project", "Department", "Total cost ($)", "FY 2025-26 ($)"],
            ["Elm Street Bridge replacement", "Public Works", "18,450,000", "6,200,000"],
            ["Harbor Road resurfacing", "Public Works", "4,870,000", "4,870,000"],
            ["Westside Library renovation", "Library", "7,315,000", "2,400,000"],
            ["Fire Station No. Four rebuild", "Fire and Rescue", "12,960,000", "3,150,000"],
            ["Lakeview Park playground and restroom", "Parks and Recreation", "1,845,000", "1,845,000"],
            ["North Reservoir seismic upgrade", "Water and Sewer", "9,740,000", "5,600,000"],
            ["Downtown transit center", "Transportation", "15,210,000", "2,050,000"],
        ],
        caption="Table 18.1 Five-year capital improvement program, major projects",
    )
    b.filler(10)
    b.h2("18.2 Funding sources")
    b.filler(12)
    b.h2("18.3 Operating impacts of capital projects")
    b.filler(12)

    # ---- 19. debt
    b.chapter("19. Debt Service")
    b.filler(6)
    b.para(
        "The City's general obligation bonds carry a rating of AA+ from Meridian Credit Ratings, which cited "
        "strong reserves and a diverse local economy in its most recent review."
    )
    b.filler(6)
    b.table(
        [
            ["Fund", "Principal ($)", "Interest ($)", "Total debt service ($)"],
            ["General Fund", "4,980,000", "2,235,000", "7,215,000"],
            ["Water and Sewer Enterprise Fund", "6,410,000", "3,466,400", "9,876,400"],
            ["Transit Fund", "820,000", "389,700", "1,209,700"],
        ],
        caption="Table 19.1 Debt service by fund, FY 2025-26",
    )
    b.filler(12)

    # ---- 20. financial statements
    b.chapter("20. Financial Statements for the Fiscal Year Ended 30 June 2024")
    b.h2("20.1 Management's discussion and analysis")
    b.filler(18)
    b.h2("20.2 Government-wide statements")
    b.filler(3)
    b.table(
        [
            ["", "Governmental activities ($)", "Business-type activities ($)", "Total ($)"],
            ["Current and other assets", "214,608,300", "71,402,900", "286,011,200"],
            ["Capital assets, net", "498,316,700", "263,907,400", "762,224,100"],
            ["Deferred outflows of resources", "38,114,600", "6,205,800", "44,320,400"],
            ["Long-term liabilities", "(301,877,500)", "(112,640,200)", "(414,517,700)"],
            ["Other liabilities", "(36,402,100)", "(11,930,400)", "(48,332,500)"],
            ["Deferred inflows of resources", "(12,018,300)", "(5,206,300)", "(17,224,600)"],
            ["Total net position", "400,741,700", "211,739,200", "612,480,900"],
        ],
        caption="Table 20.1 Statement of net position, 30 June 2024",
    )
    b.filler(8)
    b.h2("20.3 Notes to the financial statements")
    for note in [
        "Summary of significant accounting policies",
        "Cash and investments",
        "Capital assets",
        "Long-term debt",
        "Pension plans",
        "Other postemployment benefits",
        "Risk management",
        "Commitments and contingencies",
    ]:
        b.para(note, "cap")
        b.filler(5)

    # ---- 21. auditor's report
    b.chapter("21. Independent Auditor's Report")
    b.para("To the Honorable Mayor and Members of the City Council, City of Larkhaven, Northshire County")
    b.para("Report on the Audit of the Financial Statements", "cap")
    for text in AUDIT_REPORT:
        b.para(text)
    b.para("Hartley, Quinn & Moss LLP", "sig")
    b.para("Certified Public Accountants", "sig")
    b.para("Larkhaven, Northshire", "sig")
    b.para("12 November 2024", "sig")

    # ---- 22. conclusion
    b.chapter("22. Conclusion and Outlook")
    b.para(
        "In conclusion, the proposed budget keeps Larkhaven on a sound financial footing: it is balanced without "
        "drawing on reserves, maintains every core service, and invests in streets, parks and public safety."
    )
    b.filler(14)

    # ---- appendices
    b.chapter("Appendix A. Glossary of Budget Terms")
    for term in GLOSSARY:
        b.para(term)
    b.chapter("Appendix B. Statistical Tables")
    b.filler(4)
    b.table(
        [["Year", "Population", "Assessed value ($ thousands)", "Unemployment rate (%)"]]
        + [[str(y), _money(p), _money(a), u] for y, p, a, u in STATISTICS],
        caption="Table B.1 Demographic and economic statistics, last ten years",
    )
    b.filler(10)
    b.chapter("Appendix C. Budget Resolution No. 2025-41 (signed copy)", scanned=True)
    b.para("RESOLUTION NO. 2025-41", "sig")
    b.para(
        "A RESOLUTION OF THE CITY COUNCIL OF THE CITY OF LARKHAVEN ADOPTING THE OPERATING AND CAPITAL BUDGET "
        "FOR FISCAL YEAR 2025-26 AND ESTABLISHING APPROPRIATIONS."
    )
    b.filler(6)
    b.para(
        "PASSED, APPROVED AND ADOPTED at a regular meeting of the City Council held on 17 June 2025 by the "
        "following vote: AYES: Councilmembers Delgado, Fairweather, Ng, Pruitt and Mayor Castellanos. "
        "NOES: Councilmembers Albright and Okafor. ABSENT: None."
    )
    b.para("Attest: Janet Cole, City Clerk", "sig")
    b.chapter("Appendix E. Minutes of the Budget Hearings (signed copies)", scanned=True)
    f.topic = {
        "subject": [
            "Councilmember Albright",
            "Councilmember Ng",
            "Mayor Castellanos",
            "A member of the public",
            "The City Clerk",
        ],
        "verb": [
            "asked about",
            "spoke in favor of",
            "raised concerns about",
            "requested a report on",
            "moved to approve",
            "thanked staff for",
        ],
    }
    b.filler(30)
    f.topic = {}
    b.chapter("Appendix D. Salary Schedule")
    b.filler(2)
    srng = random.Random(7)
    rows = [["Classification", "Range", "Step A ($)", "Step E ($)"]]
    for title in SALARY_TITLES:
        a = srng.randrange(42000, 150000) // 12 * 12
        rows.append([title, str(srng.randrange(10, 80)), _money(a), _money(int(a * 1.2155) // 12 * 12)])
    b.table(rows, caption="Table D.1 Salary ranges by classification, effective 1 July 2025")
    b.filler(4)

    # ---- questions (written with the facts, before any ranking was looked at)
    parks = dept_tables["Parks and Recreation"]
    parks_total = sum(parks[2])
    library = dept_tables["Library"]
    water = dept_tables["Water and Sewer"]
    b.q(
        "What is the population of Larkhaven?",
        "How many people live in the city?",
        POPULATION,
        ["estimated population of 84,350 residents"],
        "text",
    )
    b.q(
        "Which organization is the largest employer in Larkhaven?",
        "Which organisation provides the most jobs locally?",
        "St. Brendan Regional Medical Center",
        ["remains the largest employer in Larkhaven"],
        "text",
    )
    b.q(
        "Who signed the budget message as City Manager?",
        "Who wrote the letter that introduces the budget?",
        "Marisol Eddington",
        ["Marisol Eddington"],
        "text",
    )
    b.q(
        "What is the proposed property tax rate for fiscal year 2025-26?",
        "How much will homeowners be levied per 100 dollars of assessed value next year?",
        0.609,
        ["The proposed property tax rate for fiscal year 2025-26 is 0.6090"],
        "text",
        note="dollars per $100 of assessed value",
    )
    b.q(
        "What credit rating do the City's general obligation bonds have?",
        "How creditworthy do the rating agencies consider the City?",
        "AA+ (Meridian Credit Ratings)",
        ["carry a rating of AA+"],
        "text",
    )
    b.q(
        "Which firm audited the City's financial statements?",
        "Which accounting firm examined the City's books?",
        "Hartley, Quinn & Moss LLP",
        ["Hartley, Quinn & Moss LLP"],
        "text",
    )
    b.q(
        "On what date did the auditors sign their report?",
        "When was the independent auditors' opinion dated?",
        "2024-11-12",
        ["12 November 2024"],
        "text",
    )
    b.q(
        "What kind of opinion did the auditors give on the financial statements?",
        "Did the external accountants find the accounts fairly presented, or did they qualify their view?",
        "unmodified (clean) opinion",
        ["In our opinion, the accompanying financial statements present fairly"],
        "text",
    )
    b.q(
        "How many lane miles of streets were repaved in fiscal year 2024-25?",
        "How much road surface did City crews resurface last year?",
        38.4,
        ["repaved 38.4 lane miles"],
        "text",
    )
    b.q(
        "On what date did the Planning Commission approve the Harborview Specific Plan?",
        "When was the Harborview plan given the go-ahead by the planning commissioners?",
        "2025-04-09",
        ["approved the Harborview Specific Plan on 9 April 2025"],
        "text",
    )
    b.q(
        "What percentage of units in new residential developments must be affordable under the inclusionary housing ordinance?",
        "What share of homes in larger new housing projects has to be offered below market price?",
        15,
        ["requires 15 percent of the units"],
        "text",
    )
    b.q(
        "What is the total General Fund revenue budgeted for 2025-26?",
        "How much money does the City expect to take in for its general operations next year?",
        total_rev,
        ["Table 4.1 General Fund revenues by source"],
        "table",
        only_on_gold=[_money(total_rev)],
    )
    b.q(
        "How much will the Elm Street Bridge replacement cost in total?",
        "What is the overall price tag for rebuilding the bridge on Elm Street?",
        18450000,
        ["Table 18.1 Five-year capital improvement program"],
        "table",
        only_on_gold=["18,450,000"],
    )
    b.q(
        "What was the City's total net position at 30 June 2024?",
        "What were the City's assets worth, net of what it owes, at the end of fiscal 2023-24?",
        612480900,
        ["Table 20.1 Statement of net position"],
        "table",
        only_on_gold=["612,480,900"],
    )
    b.q(
        "What is the proposed 2025-26 budget of the Parks and Recreation Department?",
        "How much money is set aside for parks and recreation next year?",
        parks_total,
        ["Table 12.6 Parks and Recreation budget summary"],
        "dept-table",
        "table",
        only_on_gold=[_money(parks_total)],
    )
    b.q(
        "How many full-time equivalent positions does the Police Department have in the proposed 2025-26 budget?",
        "How many police employees are funded next year, counted as full-time staff?",
        246.5,
        ["Table 9.7 Police staffing"],
        "dept-table",
        "table",
        only_on_gold=["246.5"],
    )
    b.q(
        "How much did Library Services actually spend on materials and supplies in 2023-24?",
        "What did the libraries pay for supplies two years ago?",
        library[0][1],
        ["Table 13.6 Library budget summary"],
        "dept-table",
        "table",
        only_on_gold=[_money(library[0][1])],
    )
    b.q(
        "What was the Fire and Rescue Department's average response time to emergency calls in 2024-25?",
        "How quickly did firefighters reach emergencies on average last year?",
        "6:24 (minutes:seconds)",
        ["Table 10.5 Fire and Rescue performance measures"],
        "dept-table",
        "table",
        note="the 2024-25 column is an estimate",
        only_on_gold=["6:24"],
    )
    b.q(
        "What is the Water and Sewer Utility's proposed capital outlay for 2025-26?",
        "How much will the water and sewer system spend on equipment and construction next year?",
        water[2][4],
        ["Table 16.6 Water and Sewer budget summary"],
        "dept-table",
        "table",
        only_on_gold=[_money(water[2][4])],
    )
    b.q(
        "According to the chart of General Fund spending by function, what share goes to public safety?",
        "What percentage of the main operating fund pays for police and fire?",
        47.8,
        ["Figure 4.3 General Fund spending by function"],
        "chart",
        note="value printed only inside the raster chart",
    )
    b.q(
        "According to the chart of the property tax rate history, what was the rate in 2020?",
        "What was the levy per 100 dollars of assessed value in 2020?",
        0.631,
        ["Figure 4.2 Property tax rate history"],
        "chart",
        note="value printed only inside the raster chart",
    )
    b.q(
        "What is the proposed 2025-26 Parks and Recreation budget per resident, in dollars?",
        "How many dollars per inhabitant will be spent on parks and recreation next year?",
        round(parks_total / POPULATION, 2),
        ["Table 12.6 Parks and Recreation budget summary", "estimated population of 84,350 residents"],
        "two-page",
        "table+text",
        note=f"{_money(parks_total)} / 84,350",
    )
    b.q(
        "How much of the Water and Sewer Utility's proposed 2025-26 operating revenue remains after its debt service?",
        "After paying its bonds, how much of next year's water and sewer income is left?",
        48350000 - 9876400,
        ["Table 16.9 Water and Sewer Utility operating revenues", "Table 19.1 Debt service by fund"],
        "two-page",
        "table+table",
        note="48,350,000 - 9,876,400",
    )
    b.q(
        "On what date did the City Council adopt the budget resolution?",
        "When did the councilmembers pass the spending plan?",
        "2025-06-17",
        ["held on 17 June 2025 by the following vote"],
        "text",
        note="signed copy: scanned page",
    )
    b.q(
        "Which councilmembers voted against the budget resolution?",
        "Who on the council opposed the budget?",
        "Albright and Okafor",
        ["NOES: Councilmembers Albright and Okafor"],
        "text",
        note="signed copy: scanned page",
    )
    b.q(
        "When did the mutual aid agreement with the Northshire County Fire District take effect?",
        "From what date do County and City fire crews answer each other's calls at the boundary?",
        "2024-09-01",
        ["takes effect on 1 September 2024"],
        "text",
        note="signed copy: scanned page",
    )
    generic = {
        "title": ["with the Audited Financial Statements for the Fiscal Year Ended 30 June 2024"],
        "summary": ["This document presents the City of Larkhaven's proposed operating and capital budget"],
        "conclusion": ["In conclusion, the proposed budget keeps Larkhaven on a sound financial footing"],
    }
    b.q(
        "What is this document about?",
        None,
        "the City of Larkhaven's FY 2025-26 budget and FY 2023-24 audited statements",
        generic,
        "generic",
    )
    b.q("Summarise the report.", None, "budget overview", generic, "generic")
    b.q(
        "What is the purpose of this report?",
        None,
        "budget as policy document",
        {**generic, "summary": generic["summary"] + ["The budget is the City's most important policy document"]},
        "generic",
    )
    return b


def _department(b: DocBuilder, number: int, d: dict, cols: list[list[int]], rng: random.Random) -> None:
    name, short = d["name"], d["short"]
    topic = {
        "subject": d["subjects"] + [f"The {short} team" if not short.startswith("The") else short, "The department"],
        "object": d["objects"],
        "budget_ref": [
            f"proposed budget for the {name}",
            f"{short} budget",
            "department's budget",
            f"{short} operating budget",
        ],
    }
    b.chapter(f"{number}. {name}")
    b.filler(6, topic)
    b.h2(f"{number}.1 Mission and services")
    b.filler(6)
    b.h2(f"{number}.2 Divisions")
    for div in d["divisions"]:
        b.para(f"{div} Division", "cap")
        b.filler(3)
    b.h2(f"{number}.3 Accomplishments in fiscal year 2024-25")
    b.filler(7)
    if short == "Public Works":
        b.para(
            "The Street Maintenance Division repaved 38.4 lane miles of residential and arterial streets, the "
            "largest program in its history."
        )
        b.filler(2)
    if short == "Planning":
        b.para(
            "After four public hearings, the Planning Commission approved the Harborview Specific Plan on "
            "9 April 2025; it allows mixed-use development on the former cannery site."
        )
        b.filler(2)
    if short == "Housing":
        b.para(
            "The inclusionary housing ordinance requires 15 percent of the units in any new residential "
            "development of ten or more homes to be affordable to lower-income households."
        )
        b.filler(2)
    b.h2(f"{number}.4 Goals for fiscal year 2025-26")
    b.filler(7)
    b.h2(f"{number}.5 Performance measures")
    b.filler(3)
    b.table(
        [["Measure", "Actual 2023-24", "Estimated 2024-25", "Target 2025-26"]] + [list(r) for r in d["perf"]],
        caption=f"Table {number}.5 {short} performance measures",
    )
    b.filler(6)
    b.h2(f"{number}.6 Budget summary")
    b.filler(5)
    labels = ["Personnel services", "Materials and supplies", "Contractual services", "Utilities", "Capital outlay"]
    rows = [["Expenditure category"] + [y + " ($)" for y in YEARS]]
    rows += [[lab] + [_money(c[i]) for c in cols] for i, lab in enumerate(labels)]
    rows.append([f"Total {short}"] + [_money(sum(c)) for c in cols])
    b.table(rows, caption=f"Table {number}.6 {short} budget summary")
    b.filler(9)
    b.h2(f"{number}.7 Staffing")
    b.filler(3)
    if short == "Police":
        staff = [
            ["Sworn officers", "168.0", "171.0", "176.0"],
            ["Dispatchers", "28.0", "29.0", "30.0"],
            ["Civilian support staff", "38.5", "39.5", "40.5"],
            ["Total FTE", "234.5", "239.5", "246.5"],
        ]
    else:
        staff = []
        tot = [0.0, 0.0, 0.0]
        for div in d["divisions"]:
            v = rng.randrange(4, 40) + rng.choice([0.0, 0.5])
            vals = [v, v + rng.choice([0.0, 0.0, 1.0]), v + rng.choice([0.0, 1.0, 2.0])]
            tot = [t + x for t, x in zip(tot, vals, strict=True)]
            staff.append([div] + [f"{x:.1f}" for x in vals])
        staff.append(["Total FTE"] + [f"{x:.1f}" for x in tot])
    b.table(
        [["Division", "FTE 2023-24", "FTE 2024-25", "FTE 2025-26"], *staff],
        caption=f"Table {number}.7 {short} staffing",
    )
    b.filler(6)
    b.h2(f"{number}.8 Budget issues and outlook")
    b.filler(14)


AUDIT_REPORT = [
    "Opinions",
    "We have audited the accompanying financial statements of the governmental activities, the business-type "
    "activities, each major fund, and the aggregate remaining fund information of the City of Larkhaven as of and "
    "for the year ended 30 June 2024, and the related notes, which collectively comprise the City's basic "
    "financial statements as listed in the table of contents.",
    "In our opinion, the accompanying financial statements present fairly, in all material respects, the "
    "respective financial position of the governmental activities, the business-type activities, each major fund, "
    "and the aggregate remaining fund information of the City as of 30 June 2024, and the respective changes in "
    "financial position and, where applicable, cash flows thereof for the year then ended in accordance with "
    "accounting principles generally accepted in the United States of America.",
    "Basis for Opinions",
    "We conducted our audit in accordance with auditing standards generally accepted in the United States of "
    "America and the standards applicable to financial audits contained in Government Auditing Standards. Our "
    "responsibilities under those standards are further described in the Auditor's Responsibilities section of "
    "our report. We are required to be independent of the City and to meet our other ethical responsibilities. "
    "We believe that the audit evidence we have obtained is sufficient and appropriate to provide a basis for our "
    "audit opinions.",
    "Responsibilities of Management for the Financial Statements",
    "Management is responsible for the preparation and fair presentation of the financial statements in "
    "accordance with accounting principles generally accepted in the United States of America, and for the "
    "design, implementation, and maintenance of internal control relevant to the preparation and fair "
    "presentation of financial statements that are free from material misstatement, whether due to fraud or error. "
    "In preparing the financial statements, management is required to evaluate whether there are conditions or "
    "events, considered in the aggregate, that raise substantial doubt about the City's ability to continue as a "
    "going concern for twelve months beyond the financial statement date.",
    "Auditor's Responsibilities for the Audit of the Financial Statements",
    "Our objectives are to obtain reasonable assurance about whether the financial statements as a whole are free "
    "from material misstatement, whether due to fraud or error, and to issue an auditor's report that includes our "
    "opinions. Reasonable assurance is a high level of assurance but is not absolute assurance and therefore is "
    "not a guarantee that an audit conducted in accordance with generally accepted auditing standards will always "
    "detect a material misstatement when it exists. The risk of not detecting a material misstatement resulting "
    "from fraud is higher than for one resulting from error, as fraud may involve collusion, forgery, intentional "
    "omissions, misrepresentations, or the override of internal control.",
    "In performing an audit in accordance with generally accepted auditing standards, we exercise professional "
    "judgment and maintain professional skepticism throughout the audit; identify and assess the risks of material "
    "misstatement and design and perform audit procedures responsive to those risks; obtain an understanding of "
    "internal control relevant to the audit; evaluate the appropriateness of accounting policies used and the "
    "reasonableness of significant accounting estimates; and conclude whether there are conditions or events that "
    "raise substantial doubt about the City's ability to continue as a going concern.",
    "We are required to communicate with those charged with governance regarding, among other matters, the planned "
    "scope and timing of the audit, significant audit findings, and certain internal control related matters that "
    "we identified during the audit.",
    "Required Supplementary Information",
    "Accounting principles generally accepted in the United States of America require that the management's "
    "discussion and analysis, the budgetary comparison schedules, and the pension and other postemployment "
    "benefit schedules be presented to supplement the basic financial statements. We have applied certain limited "
    "procedures to the required supplementary information, which consisted of inquiries of management about the "
    "methods of preparing the information and comparing the information for consistency with management's "
    "responses to our inquiries, the basic financial statements, and other knowledge we obtained during our audit. "
    "We do not express an opinion or provide any assurance on the information because the limited procedures do "
    "not provide us with sufficient evidence to express an opinion or provide any assurance.",
    "Other Reporting Required by Government Auditing Standards",
    "In accordance with Government Auditing Standards, we have also issued our report on our consideration of the "
    "City's internal control over financial reporting and on our tests of its compliance with certain provisions "
    "of laws, regulations, contracts, and grant agreements and other matters. The purpose of that report is solely "
    "to describe the scope of our testing of internal control over financial reporting and compliance and the "
    "results of that testing, and not to provide an opinion on the effectiveness of the City's internal control.",
]

GLOSSARY = [
    f"{t}: {d}"
    for t, d in [
        (
            "Appropriation",
            "a legal authorization granted by the City Council to make expenditures for specific purposes.",
        ),
        ("Assessed value", "the value set on real and personal property as a basis for levying taxes."),
        (
            "Balanced budget",
            "a budget in which planned expenditures do not exceed planned revenues and available fund balance.",
        ),
        (
            "Capital outlay",
            "expenditures for equipment, vehicles and improvements that have a useful life of more than one year.",
        ),
        ("Debt service", "payment of principal and interest on borrowed funds such as bonds."),
        ("Encumbrance", "a commitment of funds for goods or services that have not yet been received."),
        ("Enterprise fund", "a fund for services financed mainly by user charges, such as the water and sewer system."),
        ("Fiscal year", "the twelve-month period to which the annual budget applies, from July through June."),
        ("Full-time equivalent (FTE)", "a position converted to the decimal equivalent of a full-time position."),
        ("Fund balance", "the excess of a fund's assets over its liabilities and deferred inflows."),
        ("General Fund", "the City's principal operating fund, which pays for most general government services."),
        ("Internal service fund", "a fund that provides services to other departments on a cost-reimbursement basis."),
        ("Net position", "the residual of all elements presented in a statement of financial position."),
        ("Personnel services", "salaries, wages, overtime and benefits paid to City employees."),
        ("Reserve", "an amount set aside for a specific purpose or for unforeseen needs."),
        ("Transfer", "a movement of money from one fund to another to finance the activities of the receiving fund."),
    ]
]

STATISTICS = [
    (2016, 78114, 8412300, "5.6"),
    (2017, 78890, 8790400, "5.1"),
    (2018, 79604, 9215800, "4.4"),
    (2019, 80312, 9688100, "4.0"),
    (2020, 80955, 10014900, "8.9"),
    (2021, 81402, 10356200, "7.1"),
    (2022, 82160, 11102700, "4.8"),
    (2023, 82947, 11890300, "4.3"),
    (2024, 83610, 12544600, "4.2"),
    (2025, 84350, 13106800, "4.1"),
]

SALARY_TITLES = [
    "Accountant",
    "Accounting Technician",
    "Administrative Analyst",
    "Aquatics Coordinator",
    "Assistant City Engineer",
    "Building Inspector",
    "Buyer",
    "City Clerk",
    "Code Enforcement Officer",
    "Communications Specialist",
    "Crime Analyst",
    "Custodian",
    "Deputy Fire Chief",
    "Dispatcher",
    "Electrician",
    "Engineering Technician",
    "Equipment Mechanic",
    "Executive Assistant",
    "Fire Captain",
    "Fire Engineer",
    "Firefighter",
    "Firefighter Paramedic",
    "GIS Analyst",
    "Housing Specialist",
    "Human Resources Analyst",
    "Librarian",
    "Library Assistant",
    "Maintenance Worker",
    "Network Administrator",
    "Park Ranger",
    "Parking Enforcement Officer",
    "Payroll Specialist",
    "Planner",
    "Police Captain",
    "Police Lieutenant",
    "Police Officer",
    "Police Sergeant",
    "Program Coordinator",
    "Purchasing Manager",
    "Recreation Leader",
    "Senior Planner",
    "Street Maintenance Supervisor",
    "Systems Analyst",
    "Traffic Engineer",
    "Transit Operator",
    "Tree Trimmer",
    "Utility Operator",
    "Wastewater Treatment Operator",
    "Water Quality Specialist",
]
