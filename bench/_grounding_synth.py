"""Held-out benchmark of grounding (docvl.grounding.find) on synthetic invoices unlike the shared corpus.

Invoices are drawn with PyMuPDF (``page.insert_htmlbox``) in ten locales (Babel formats the amounts and
dates: short, medium or long), laid out differently by seed: a two-column header (seller left, buyer
right) as one HTML table or as two boxes side by side, the invoice's number and dates as labelled lines
or as a table of labels over values, a line-items table whose longer descriptions wrap over two or three
lines, an IBAN printed in groups of four, VAT ids with spaces, a service period printed as a range ("1-31
July 2025", "du 1er au 31 juillet 2025", "vom 1. bis 31. Juli 2025") or as two dates, some documents
with a page rotated 90 or 270 degrees, some with two pages (the totals on the second).

Golden values are kept as a model returns them, not as printed: ISO dates, floats, an ISO currency code,
ids without spaces, descriptions unwrapped. Each is looked for with ``find(value, pages)`` over all the
document's pages, and each box is read back from the PDF (``page.get_textbox``, widened 2 pt, through
``page.derotation_matrix``) and must hold the value's printed form (squeezed letters and digits; the
digits of a number; a currency's sign as printed). Five made-up values per document (the total plus a
little, the invoice date shifted 1-3 days, the invoice number with two adjacent digits swapped, a
company name of random words, the IBAN with one digit changed; a Japanese invoice, which prints no IBAN,
gets its registration number with one digit changed instead) are printed nowhere: each one located is a
false hit. ``measure(seed, n)`` returns the figures and every miss; ``main`` prints the seeds asked for.

    .venv/bin/python bench/_grounding_synth.py                       # seeds 0 and 1, 40 invoices each
    .venv/bin/python bench/_grounding_synth.py --seeds 0 1 2 3 4 5 6 7 8 9
"""

from __future__ import annotations

import html
import random
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pymupdf
from babel.dates import format_date, get_month_names
from babel.numbers import format_currency, format_decimal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docvl.grounding import PageWords, find
from docvl.load import load_document
from docvl.load.textlayer import page_words_of
from docvl.printed_values import currency_codes, month_names, possible_dates

KINDS = ("number", "date", "range end", "code", "id", "name", "description")

# locale: (currency, language, seller's country)
LOCALES = {
    "en_US": ("USD", "en", "IE"),
    "en_GB": ("GBP", "en", "GB"),
    "de_DE": ("EUR", "de", "DE"),
    "fr_FR": ("EUR", "fr", "FR"),
    "nl_NL": ("EUR", "nl", "NL"),
    "es_ES": ("EUR", "es", "ES"),
    "it_IT": ("EUR", "it", "IT"),
    "pt_BR": ("BRL", "pt", "BR"),
    "sv_SE": ("SEK", "sv", "SE"),
    "ja_JP": ("JPY", "ja", "JP"),
}
TAX_RATE = {"en_US": 0.0825, "en_GB": 0.20, "de_DE": 0.19, "fr_FR": 0.20, "nl_NL": 0.21, "es_ES": 0.21}
TAX_RATE |= {"it_IT": 0.22, "pt_BR": 0.05, "sv_SE": 0.25, "ja_JP": 0.10}

LABELS: dict[str, dict[str, str]] = {
    "en": dict(
        invoice="Invoice", number="Invoice number", date="Invoice date", due="Due date", seller="From",
        buyer="Bill to", vat="VAT ID", description="Description", qty="Qty", price="Unit price",
        amount="Amount", subtotal="Subtotal", tax="VAT", total="Total", period="Service period",
        bank="Payment details", currency="Currency", page="Page", thanks="Thank you for your business.",
    ),
    "de": dict(
        invoice="Rechnung", number="Rechnungsnummer", date="Rechnungsdatum", due="Fällig am", seller="Von",
        buyer="Rechnung an", vat="USt-IdNr.", description="Beschreibung", qty="Menge", price="Einzelpreis",
        amount="Betrag", subtotal="Zwischensumme", tax="MwSt.", total="Gesamtbetrag", period="Leistungszeitraum",
        bank="Bankverbindung", currency="Währung", page="Seite", thanks="Vielen Dank für Ihren Auftrag.",
    ),
    "fr": dict(
        invoice="Facture", number="N° de facture", date="Date de facture", due="Échéance", seller="Émetteur",
        buyer="Client", vat="N° TVA", description="Désignation", qty="Qté", price="Prix unitaire",
        amount="Montant", subtotal="Total HT", tax="TVA", total="Total TTC", period="Période de prestation",
        bank="Coordonnées bancaires", currency="Devise", page="Page", thanks="Merci de votre confiance.",
    ),
    "nl": dict(
        invoice="Factuur", number="Factuurnummer", date="Factuurdatum", due="Vervaldatum", seller="Van",
        buyer="Aan", vat="Btw-nummer", description="Omschrijving", qty="Aantal", price="Prijs",
        amount="Bedrag", subtotal="Subtotaal", tax="Btw", total="Totaal", period="Periode",
        bank="Betaalgegevens", currency="Valuta", page="Pagina", thanks="Bedankt voor uw opdracht.",
    ),
    "es": dict(
        invoice="Factura", number="Número de factura", date="Fecha de factura", due="Vencimiento",
        seller="Emisor", buyer="Cliente", vat="NIF-IVA", description="Descripción", qty="Cant.",
        price="Precio unitario", amount="Importe", subtotal="Base imponible", tax="IVA", total="Total",
        period="Periodo de servicio", bank="Datos bancarios", currency="Moneda", page="Página",
        thanks="Gracias por su confianza.",
    ),
    "it": dict(
        invoice="Fattura", number="Numero fattura", date="Data fattura", due="Scadenza", seller="Fornitore",
        buyer="Cliente", vat="Partita IVA", description="Descrizione", qty="Q.tà", price="Prezzo unitario",
        amount="Importo", subtotal="Imponibile", tax="IVA", total="Totale", period="Periodo di fornitura",
        bank="Coordinate bancarie", currency="Valuta", page="Pagina", thanks="Grazie per la fiducia.",
    ),
    "pt": dict(
        invoice="Fatura", number="Número da fatura", date="Data de emissão", due="Vencimento",
        seller="Prestador", buyer="Tomador", vat="CNPJ", description="Descrição", qty="Qtd.",
        price="Valor unitário", amount="Valor", subtotal="Subtotal", tax="ISS", total="Total",
        period="Período de serviço", bank="Dados bancários", currency="Moeda", page="Página",
        thanks="Obrigado pela preferência.",
    ),
    "sv": dict(
        invoice="Faktura", number="Fakturanummer", date="Fakturadatum", due="Förfallodatum", seller="Från",
        buyer="Till", vat="Momsreg.nr", description="Beskrivning", qty="Antal", price="À-pris",
        amount="Belopp", subtotal="Netto", tax="Moms", total="Att betala", period="Period",
        bank="Betalningsuppgifter", currency="Valuta", page="Sida", thanks="Tack för ert förtroende.",
    ),
    "ja": dict(
        invoice="請求書", number="請求書番号", date="請求日", due="支払期限", seller="請求元", buyer="請求先",
        vat="登録番号", description="品目", qty="数量", price="単価", amount="金額", subtotal="小計",
        tax="消費税", total="合計", period="対象期間", bank="お振込先", currency="通貨", page="ページ",
        thanks="今後ともよろしくお願いいたします。",
    ),
}  # fmt: skip

SUFFIX = {
    "IE": ["Ltd", "Limited", "DAC"], "GB": ["Ltd", "LLP", "plc"], "DE": ["GmbH", "AG", "GmbH & Co. KG"],
    "FR": ["SARL", "SAS", "SA"], "NL": ["B.V.", "N.V."], "ES": ["S.L.", "S.A."], "IT": ["S.r.l.", "S.p.A."],
    "BR": ["Ltda.", "S.A."], "SE": ["AB"], "JP": ["株式会社"], "US": ["Inc.", "LLC", "Corp."],
}  # fmt: skip
NAME_WORDS = [
    "Halvorsen", "Brightwater", "Meridian", "Altmann", "Kestrel", "Lindqvist", "Moreau", "Vasquez", "Bellini",
    "Oakridge", "Silverline", "Hartmann", "Delacroix", "Verhoeven", "Castellano", "Rossetti", "Almeida",
    "Sundberg", "Harbour", "Summit", "Pinecrest", "Redwood", "Atlas", "Beacon", "Cobalt", "Evergreen",
    "Logistics", "Consulting", "Systems", "Solutions", "Analytics", "Engineering", "Partners", "Digital",
    "Services", "Technologies", "Media", "Software", "Trading", "Energy",
]  # fmt: skip
# the made-up companies' words: none is ever a real seller's or buyer's
FAKE_WORDS = [
    "Northwind", "Quartz", "Bluefin", "Copperleaf", "Ironbark", "Starling", "Foxglove", "Thornbury", "Juniper",
    "Marlowe", "Pemberton", "Saffron", "Wexford", "Calloway", "Driftwood", "Emberly", "Galloway", "Holloway",
]  # fmt: skip
JA_NAMES = ["山田商事", "青葉システム", "桜井ソリューションズ", "東海テクノロジー", "北斗物流", "朝日デジタル"]
JA_FAKE = ["大和クオーツ", "白鷺ノースウィンド"]
CITIES = {
    "IE": ("Dublin 2", "Ireland"), "GB": ("London EC1V 9HX", "United Kingdom"), "DE": ("10115 Berlin", "Deutschland"),
    "FR": ("75008 Paris", "France"), "NL": ("1017 AB Amsterdam", "Nederland"), "ES": ("28013 Madrid", "España"),
    "IT": ("20121 Milano", "Italia"), "BR": ("01310-100 São Paulo SP", "Brasil"), "SE": ("111 52 Stockholm", "Sverige"),
    "JP": ("東京都千代田区丸の内1-1-1", "日本"), "US": ("Austin, TX 78701", "USA"),
}  # fmt: skip
STREETS = ["Harbour Road 12", "Kingsway 221", "Hauptstraße 7", "rue de Rivoli 48", "Keizersgracht 301"]
STREETS += ["Calle de Alcalá 90", "Via Torino 15", "Avenida Paulista 1578", "Drottninggatan 33"]

DESCRIPTIONS = {
    "en": [
        "Monthly hosting fee", "Support hours", "Software licence renewal", "Travel expenses",
        "Consulting services for the migration of the on-premise ERP database to the managed cloud platform,"
        " including load testing and written documentation",
        "Design and implementation of the customer onboarding workflow with automated identity checks and"
        " weekly progress reports",
        "Maintenance of the warehouse scanning terminals and replacement of two faulty battery packs",
        "Training workshop for twelve staff members on the new reporting dashboards",
    ],
    "de": [
        "Wartungspauschale", "Supportstunden", "Lizenzverlängerung Software",
        "Beratungsleistungen zur Migration der lokalen ERP-Datenbank auf die verwaltete Cloud-Plattform"
        " einschließlich Lasttests und Dokumentation",
        "Konzeption und Umsetzung des Kunden-Onboardings mit automatischer Identitätsprüfung und"
        " wöchentlichen Berichten",
        "Schulung für zwölf Mitarbeitende zu den neuen Berichts-Dashboards",
    ],
    "fr": [
        "Forfait d'hébergement mensuel", "Heures de support", "Renouvellement de licence",
        "Prestation de conseil pour la migration de la base de données ERP vers la plateforme cloud gérée,"
        " tests de charge et documentation compris",
        "Conception et mise en œuvre du parcours d'accueil des clients avec vérification d'identité"
        " automatisée et rapports hebdomadaires",
        "Formation de douze collaborateurs aux nouveaux tableaux de bord",
    ],
    "es": [
        "Cuota mensual de alojamiento", "Horas de soporte",
        "Servicios de consultoría para la migración de la base de datos ERP a la plataforma en la nube"
        " gestionada, incluidas pruebas de carga y documentación",
        "Mantenimiento de los terminales de escaneo del almacén y sustitución de dos baterías defectuosas",
    ],
    "ja": [
        "月額ホスティング費用", "サポート対応",
        "オンプレミスのERPデータベースをマネージドクラウド基盤へ移行するためのコンサルティング業務（負荷試験および設計書の作成を含む）",
        "倉庫用スキャン端末の保守点検および不良バッテリーパック二個の交換作業",
    ],
}  # fmt: skip

IBAN_BBAN = {  # country: BBAN pattern (9: a digit, A: a capital letter)
    "IE": "AAAA99999999999999", "GB": "AAAA99999999999999", "DE": "999999999999999999",
    "FR": "99999999999999999999999", "NL": "AAAA9999999999", "ES": "99999999999999999999",
    "IT": "A9999999999999999999999", "BR": "99999999999999999999999A9", "SE": "99999999999999999999",
}  # fmt: skip


@dataclass
class Golden:
    path: str
    kind: str
    value: object
    forms: tuple[str, ...]  # as printed: a box must hold one of them


@dataclass
class Invoice:
    path: Path
    locale: str
    golden: list[Golden]
    made_up: list[tuple[str, object]]
    layout: str
    texts: list[str] = field(default_factory=list)


def squeeze(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _pattern(r: random.Random, pattern: str) -> str:
    return "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c == "A" else str(r.randrange(10)) for c in pattern)


def _iban(r: random.Random, country: str) -> str:
    bban = _pattern(r, IBAN_BBAN[country])
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _vat(r: random.Random, country: str) -> tuple[str, str]:
    """(as printed, as a model returns it)."""
    d = lambda n: "".join(str(r.randrange(10)) for _ in range(n))  # noqa: E731
    printed = {
        "IE": f"IE {d(4)} {d(3)}V", "GB": f"GB {d(3)} {d(4)} {d(2)}", "DE": f"DE {d(3)} {d(3)} {d(3)}",
        "FR": f"FR {d(2)} {d(3)} {d(3)} {d(3)}", "NL": f"NL {d(4)} {d(2)} {d(3)} B01", "ES": f"ES B {d(4)} {d(4)}",
        "IT": f"IT {d(3)} {d(4)} {d(4)}", "BR": f"{d(2)}.{d(3)}.{d(3)}/0001-{d(2)}", "SE": f"SE {d(4)} {d(4)} {d(4)}",
        "JP": f"T {d(4)} {d(4)} {d(5)}",
    }[country]  # fmt: skip
    return printed, printed.replace(" ", "")


def _invoice_number(r: random.Random, year: int) -> str:
    n = r.randrange(100, 99999)
    return r.choice([f"INV-{year}-{n:05d}", f"{year}/{n:05d}", f"RE-{n}{r.randrange(10)}", f"F{year}{n:05d}"])


def _company(r: random.Random, country: str, words: list[str], ja: list[str]) -> str:
    if country == "JP":
        return f"株式会社{r.choice(ja)}"
    first, second = r.sample(words, 2)
    return f"{first} {second} {r.choice(SUFFIX[country])}"


def _period_text(r: random.Random, locale: str, lang: str, start: date, end: date, fmt: str) -> tuple[str, str, str]:
    """(the whole printed period, the start's printed form, the end's printed form): a range printed with
    its month and year once, or two whole dates."""
    month = get_month_names("wide", locale=locale)[end.month]
    a, b, y = start.day, end.day, end.year
    ranges = {
        "en_US": [f"{month} {a} - {b}, {y}", f"{a}-{b} {month} {y}"],
        "en_GB": [f"{a}-{b} {month} {y}", f"{a} to {b} {month} {y}"],
        "de": [f"vom {a}. bis {b}. {month} {y}", f"{a}.-{b}. {month} {y}"],
        "fr": [f"du {'1er' if a == 1 else a} au {b} {month} {y}"],
        "nl": [f"{a} t/m {b} {month} {y}", f"{a}-{b} {month} {y}"],
        "es": [f"del {a} al {b} de {month} de {y}"],
        "it": [f"dal {a} al {b} {month} {y}"],
        "pt": [f"de {a} a {b} de {month} de {y}"],
        "sv": [f"{a}–{b} {month} {y}"],
        "ja": [],
    }
    options = ranges.get(locale) or ranges[lang]
    if options and r.random() < 0.7:
        text = r.choice(options)
        # what the box must hold: the range from its first number (or month) on, without "vom", "du"
        core = text[re.search(r"\d", text).start() :] if not text.startswith(month) else text  # type: ignore[union-attr]
        # the last day may be boxed alone where it is a whole date ("31 juillet 2025" of "1er au 31 ...")
        tail = re.split(r"\s*(?:-|–|\bto\b|\bau\b|\bbis\b|t/m|\bal\b|\ba\b)\s*", core, maxsplit=1)[-1]
        return text, core, core if tail == core else f"{core}|{tail}"
    first, last = format_date(start, fmt, locale=locale), format_date(end, fmt, locale=locale)
    return f"{first} {r.choice(['–', '-', '～' if lang == 'ja' else 'to'])} {last}", first, last


def _money(value: float, currency: str, locale: str) -> str:
    # no-break spaces kept, as Babel gives them (an amount does not wrap inside a narrow cell); the narrow
    # one (French grouping) as a plain no-break space, which every font has
    return format_currency(value, currency, locale=locale).replace("\u202f", "\u00a0")


def _plain(value: float, currency: str, locale: str) -> str:
    digits = 0 if currency == "JPY" else 2
    text = format_decimal(round(value, digits), format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)
    return text.replace("\u202f", "\u00a0")


def make_invoice(r: random.Random, index: int, folder: Path) -> Invoice:
    locale = list(LOCALES)[index % len(LOCALES)] if index < len(LOCALES) else r.choice(list(LOCALES))
    currency, lang, country = LOCALES[locale]
    L = LABELS[lang]
    esc = html.escape
    year = 2025
    month = r.randrange(1, 13)
    start = date(year, month, r.choice([1, 1, 1, 5, 10]))
    end = (
        (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        if r.random() < 0.7
        else start + timedelta(14)
    )
    issued = end + timedelta(days=r.randrange(0, 6))
    due = issued + timedelta(days=r.choice([14, 30]))
    fmt = r.choice(["short", "medium", "long"])
    issued_text, due_text = format_date(issued, fmt, locale=locale), format_date(due, fmt, locale=locale)
    period_text, start_form, end_form = _period_text(r, locale, lang, start, end, fmt)

    number = _invoice_number(r, year)
    seller = _company(r, country, NAME_WORDS, JA_NAMES)
    buyer_country = country if r.random() < 0.6 else r.choice([c for c in CITIES if c != country and c != "JP"])
    buyer = _company(
        r, buyer_country, [w for w in NAME_WORDS if w not in seller], [n for n in JA_NAMES if n not in seller]
    )
    vat_printed, vat = _vat(r, country)
    iban = _iban(r, country) if country != "JP" else None
    iban_printed = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if iban else ""

    # line items: a few short descriptions, one to three long ones that wrap
    pool = DESCRIPTIONS.get(lang, DESCRIPTIONS["en"])
    items = []
    for text in r.sample(pool, min(len(pool), r.randrange(3, 6))):
        qty = r.choice([1, 1, 2, 3, 5, 8, 12])
        unit = r.randrange(1000, 500000) if currency == "JPY" else round(r.uniform(15, 4000), 2)
        items.append((text, qty, unit, float(round(qty * unit, 2))))  # a float, as a model returns a number
    subtotal = round(sum(i[3] for i in items), 2)
    tax = round(subtotal * TAX_RATE[locale], 0 if currency == "JPY" else 2)
    total = float(round(subtotal + tax, 2))

    sans = r.choice(["sans-serif", "serif"])
    size = r.choice([9, 10, 10.5, 11])
    two_pages = r.random() < 0.3
    rotate = r.choice([0, 0, 0, 90, 270])
    header_split = r.random() < 0.5  # seller and buyer in two boxes side by side, else one HTML table
    meta_table = r.random() < 0.5  # labels over values, else "label: value" lines
    columns = r.random() < 0.6  # quantity and unit price columns
    show_code = r.random() < 0.4  # "Currency: EUR" printed
    amounts_plain = r.random() < 0.4  # amounts without the sign in the table (the sign in the header)
    style = f"font-family:{sans};font-size:{size}pt"

    def block(title: str, name: str, lines: list[str]) -> str:
        rest = "<br>".join(esc(x) for x in lines)
        return f"<p style='{style}'><span style='color:#666'>{esc(title)}</span><br><b>{esc(name)}</b><br>{rest}</p>"

    seller_city, seller_land = CITIES[country]
    buyer_city, buyer_land = CITIES[buyer_country]
    seller_html = block(
        L["seller"], seller, [r.choice(STREETS), seller_city, seller_land, f"{L['vat']}: {vat_printed}"]
    )
    buyer_html = block(L["buyer"], buyer, [r.choice(STREETS), buyer_city, buyer_land])

    def money(v: float) -> str:
        return _plain(v, currency, locale) if amounts_plain else _money(v, currency, locale)

    meta = [(L["number"], number), (L["date"], issued_text), (L["due"], due_text), (L["period"], period_text)]
    if show_code:
        meta.append((L["currency"], currency))
    if meta_table:
        each = f"{100 // len(meta)}%"
        head = "".join(f"<th align='left' width='{each}'>{esc(k)}</th>" for k, _ in meta)
        row = "".join(f"<td valign='top'>{esc(v)}</td>" for _, v in meta)
        meta_html = f"<table width='100%' style='{style}'><tr>{head}</tr><tr>{row}</tr></table>"
    else:
        meta_html = f"<p style='{style}'>" + "<br>".join(f"{esc(k)}: {esc(v)}" for k, v in meta) + "</p>"

    sign = f" ({_money(0, currency, locale).replace('0', '').replace(',', '').replace('.', '').strip()})"
    heads = [
        L["description"],
        *([L["qty"], L["price"]] if columns else []),
        L["amount"] + (sign if amounts_plain else ""),
    ]
    # widths as HTML attributes on the header row: MuPDF's layout ignores a cell's CSS width in percent
    widths = ["50%", "10%", "20%", "20%"] if columns else ["75%", "25%"]
    rows = []
    for text, qty, unit, amount in items:
        cells = [f"<td valign='top'>{esc(text)}</td>"]
        if columns:
            cells += [
                f"<td align='right' valign='top'>{qty}</td>",
                f"<td align='right' valign='top'>{esc(money(unit))}</td>",
            ]
        cells.append(f"<td align='right' valign='top'>{esc(money(amount))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    items_html = (
        f"<table width='100%' style='{style}'><tr>"
        + "".join(
            f"<th width='{w}' align='{'left' if k == 0 else 'right'}'>{esc(h)}</th>"
            for k, (h, w) in enumerate(zip(heads, widths, strict=True))
        )
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )
    tax_label = f"{L['tax']} {format_decimal(TAX_RATE[locale] * 100, locale=locale)} %"
    totals_html = (
        f"<table style='width:55%;margin-left:45%;{style}'>"
        f"<tr><td>{esc(L['subtotal'])}</td><td style='text-align:right'>{esc(_money(subtotal, currency, locale))}</td></tr>"
        f"<tr><td>{esc(tax_label)}</td><td style='text-align:right'>{esc(_money(tax, currency, locale))}</td></tr>"
        f"<tr><td><b>{esc(L['total'])}</b></td><td style='text-align:right'><b>{esc(_money(total, currency, locale))}</b></td></tr>"
        "</table>"
    )
    if iban:
        bic = _pattern(r, "AAAAAAAA") + r.choice(["", "XXX"])
        bank_html = f"<p style='{style}'><b>{esc(L['bank'])}</b><br>IBAN: {iban_printed}<br>BIC: {bic}</p>"
    else:
        bank_html = f"<p style='{style}'><b>{esc(L['bank'])}</b><br>みずほ銀行 丸の内支店 普通 {r.randrange(1000000, 9999999)}</p>"
    thanks_html = f"<p style='{style};color:#444'>{esc(L['thanks'])}</p>"

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    top = f"<h2 style='font-family:{sans}'>{esc(L['invoice'])}</h2>"
    if header_split:
        page.insert_htmlbox(pymupdf.Rect(50, 40, 545, 80), top)
        page.insert_htmlbox(pymupdf.Rect(50, 85, 290, 200), seller_html)
        page.insert_htmlbox(pymupdf.Rect(320, 85, 545, 200), buyer_html)
        body = meta_html + items_html
    else:
        header = f"<table width='100%'><tr><td width='50%' valign='top'>{seller_html}</td><td valign='top'>{buyer_html}</td></tr></table>"
        page.insert_htmlbox(pymupdf.Rect(50, 40, 545, 200), top + header)
        body = meta_html + items_html
    if not two_pages:
        body += totals_html + bank_html + thanks_html
    page.insert_htmlbox(pymupdf.Rect(50, 205, 545, 800), body)
    if two_pages:
        page.insert_htmlbox(pymupdf.Rect(50, 805, 545, 830), f"<p style='{style}'>{esc(L['page'])} 1 / 2</p>")
        second = doc.new_page(width=595, height=842)
        second.insert_htmlbox(
            pymupdf.Rect(50, 50, 545, 800),
            f"<p style='{style}'>{esc(L['invoice'])} {esc(number)} — {esc(L['page'])} 2 / 2</p>"
            + totals_html
            + bank_html
            + thanks_html,
        )
    rotated = []
    if rotate:
        which = r.randrange(doc.page_count)
        doc[which].set_rotation(rotate)
        rotated.append(which + 1)
    path = folder / f"synth_{index:03d}_{locale}.pdf"
    doc.save(path)
    texts = [p.get_text() for p in doc]
    doc.close()

    sign_form = _money(0, currency, locale).replace("0", "").replace(",", "").replace(".", "").strip()
    golden = [
        Golden("invoice_number", "id", number, (number,)),
        Golden("invoice_date", "date", issued.isoformat(), (issued_text,)),
        Golden("due_date", "date", due.isoformat(), (due_text,)),
        Golden("seller.name", "name", seller, (seller,)),
        Golden("buyer.name", "name", buyer, (buyer,)),
        Golden("seller.vat_id", "id", vat, (vat_printed,)),
        Golden("currency", "code", currency, (sign_form, *([currency] if show_code else []))),
        Golden("total", "number", total, (_money(total, currency, locale),)),
        Golden("tax", "number", tax, (_money(tax, currency, locale),)),
        Golden("service_period.start", "range end", start.isoformat(), (start_form,)),
        Golden("service_period.end", "range end", end.isoformat(), tuple(end_form.split("|"))),
    ]
    if iban:
        golden.append(Golden("iban", "id", iban, (iban_printed,)))
    for k, (text, _, _, amount) in enumerate(items):
        golden.append(Golden(f"lines[{k}].description", "description", text, (text,)))
        golden.append(Golden(f"lines[{k}].amount", "number", amount, (money(amount),)))

    # a value printed in several places (the period's last day is the invoice date): any of its prints
    same: dict[object, set[str]] = {}
    for g in golden:
        same.setdefault((g.kind in ("date", "range end"), g.value), set()).update(g.forms)
    for g in golden:
        g.forms = (*g.forms, *sorted(same[(g.kind in ("date", "range end"), g.value)] - set(g.forms)))
    made_up = _made_up(r, golden, texts, locale, country, currency, issued, iban, number, vat)
    layout = "+".join(
        part
        for part, on in (
            ("split-header", header_split),
            ("meta-table", meta_table),
            ("qty-cols", columns),
            ("plain-amounts", amounts_plain),
            ("2-pages", two_pages),
            (f"rot{rotate}@p{rotated[0] if rotated else 0}", rotate),
            (fmt, True),
            (sans, True),
        )
        if on
    )
    return Invoice(path, locale, golden, made_up, layout, texts)


def _made_up(
    r: random.Random,
    golden: list[Golden],
    texts: list[str],
    locale: str,
    country: str,
    currency: str,
    issued: date,
    iban: str | None,
    number: str,
    vat: str,
) -> list[tuple[str, object]]:
    """Five values the document prints nowhere."""
    printed = squeeze(" ".join(texts))
    amounts = {g.value for g in golden if g.kind == "number"}
    out: list[tuple[str, object]] = []
    total = next(g.value for g in golden if g.path == "total")
    bump = 13.0 if currency == "JPY" else 1.37
    fake_total = round(total + bump, 2)  # type: ignore[operator]
    while fake_total in amounts:
        fake_total = round(fake_total + bump, 2)
    out.append(("total+", fake_total))
    # every date the printed dates can be read as (03/07/2025 is also 7 March): none may be the shifted one
    shown: set[date] = set()
    for g in golden:
        if g.kind in ("date", "range end"):
            shown.add(date.fromisoformat(g.value))  # type: ignore[arg-type]
            for form in g.forms:
                shown |= possible_dates(form)
    shifts = [s for s in (1, -1, 2, -2, 3, -3) if issued + timedelta(s) not in shown]
    out.append(("date shifted", (issued + timedelta(r.choice(shifts))).isoformat()))
    pairs = [i for i in range(len(number) - 1) if number[i].isdigit() and number[i + 1].isdigit()]
    swaps = [number[:i] + number[i + 1] + number[i] + number[i + 2 :] for i in pairs if number[i] != number[i + 1]]
    out.append(("number swapped", r.choice([s for s in swaps if squeeze(s) not in printed])))
    out.append(("fake company", _company(r, country, FAKE_WORDS, JA_FAKE)))
    if iban:
        at = r.choice([k for k in range(4, len(iban)) if iban[k].isdigit()])
        fake = iban[:at] + str((int(iban[at]) + r.randrange(1, 10)) % 10) + iban[at + 1 :]
        out.append(("iban changed", fake))
    else:  # no IBAN (a Japanese invoice): the registration number with one digit changed
        at = r.choice([k for k in range(1, len(vat)) if vat[k].isdigit()])
        out.append(("vat changed", vat[:at] + str((int(vat[at]) + r.randrange(1, 10)) % 10) + vat[at + 1 :]))
    for label, value in out:
        assert label.startswith("total") or squeeze(str(value)) not in printed, (label, value)
    return out


def page_lines(page: pymupdf.Page) -> list[list[tuple[float, float, str]]]:
    """The page's characters, line by line, as (centre x, centre y, character) in unrotated coordinates."""
    out = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            chars = []
            for span in line["spans"]:
                for ch in span["chars"]:
                    x0, y0, x1, y1 = ch["bbox"]
                    chars.append(((x0 + x1) / 2, (y0 + y1) / 2, ch["c"]))
            out.append(chars)
    return out


def box_text(page: pymupdf.Page, lines: list[list[tuple[float, float, str]]], boxes: list[tuple[float, ...]]) -> str:
    """The text inside ``boxes`` (displayed orientation, top-left origin), each widened 2 pt and turned
    into the unrotated page's coordinates: the characters whose centre lies inside. (``get_textbox``
    takes every character whose box overlaps, and the glyph boxes of neighbouring lines overlap: a widened
    box would read the ends of the line above and below.)"""
    out = []
    for x0, y0, x1, y1 in boxes:
        rect = pymupdf.Rect(x0 - 2, y0 - 2, x1 + 2, y1 + 2) * page.derotation_matrix
        for chars in lines:
            inside = "".join(c for x, y, c in chars if rect.x0 <= x <= rect.x1 and rect.y0 <= y <= rect.y1)
            if inside.strip():
                out.append(" ".join(inside.split()))
    return " ".join(out)


def holds(text: str, g: Golden) -> bool:
    if g.kind == "number":  # the digits, however grouped, with or without the sign
        digits = lambda s: re.sub(r"\D", "", unicodedata.normalize("NFKC", s))  # noqa: E731
        return any(digits(form) in digits(text) for form in g.forms)
    if g.kind == "code":
        return any(form and form in text for form in g.forms)
    return any(squeeze(form) in squeeze(text) for form in g.forms)


def measure(seed: int = 0, n: int = 40) -> dict:
    r = random.Random(seed)
    kinds = {k: [0, 0] for k in KINDS}
    held = {k: 0 for k in KINDS}
    located = contained = made_up_hits = made_up_total = 0
    ground_s = read_s = 0.0
    misses: list[str] = []
    false_hits: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        invoices = [make_invoice(r, i, Path(tmp)) for i in range(n)]
        for inv in invoices:
            document = load_document(inv.path)
            numbers = [p.number for p in document.pages]
            t = time.perf_counter()
            words = page_words_of(document, numbers)
            read_s += time.perf_counter() - t
            pages = [PageWords(p.number, p.width_pt or 0, p.height_pt or 0, words[p.number]) for p in document.pages]
            where = f"{inv.path.stem} [{inv.layout}]"
            with pymupdf.open(inv.path) as raw:
                lines = [page_lines(page) for page in raw]
                for g in inv.golden:
                    kinds[g.kind][1] += 1
                    t = time.perf_counter()
                    found = find(g.value, pages)
                    ground_s += time.perf_counter() - t
                    if found is None:
                        misses.append(f"{where}: {g.path}={g.value!r} ({g.kind}) NOT LOCATED; printed {g.forms!r}")
                        continue
                    kinds[g.kind][0] += 1
                    located += 1
                    text = box_text(raw[found.page - 1], lines[found.page - 1], found.boxes)
                    if holds(text, g):
                        contained += 1
                        held[g.kind] += 1
                    else:
                        misses.append(
                            f"{where}: {g.path}={g.value!r} ({g.kind}) BOXED {found.text!r} (p{found.page},"
                            f" {found.match}), box reads {text!r}; printed {g.forms!r}"
                        )
                for label, value in inv.made_up:
                    made_up_total += 1
                    t = time.perf_counter()
                    found = find(value, pages)
                    ground_s += time.perf_counter() - t
                    if found is not None:
                        made_up_hits += 1
                        false_hits.append(
                            f"{where}: {label}={value!r} FOUND as {found.text!r} (p{found.page}, {found.match})"
                        )
    total = sum(v[1] for v in kinds.values())
    return {
        "seed": seed,
        "documents": n,
        "kinds": {k: (v[0], v[1]) for k, v in kinds.items()},
        "held": {k: (held[k], kinds[k][0]) for k in KINDS},
        "located": (located, total),
        "contained": (contained, located),
        "false_hits": (made_up_hits, made_up_total),
        "ms_per_doc": ground_s / n * 1000,
        "read_ms_per_doc": read_s / n * 1000,
        "misses": misses,
        "false_hit_list": false_hits,
    }


def _share(pair: tuple[int, int]) -> str:
    a, b = pair
    return f"{a}/{b} = {a / b:.3f}" if b else "-"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Grounding on generated invoices (9 locales, many layouts).")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="one run of 40 invoices per seed")
    seeds = parser.parse_args().seeds
    t = time.perf_counter()
    month_names(), currency_codes()  # once a process: CLDR data, not a cost of each document
    print(f"loading month names and currency codes, once a process: {(time.perf_counter() - t) * 1000:.0f} ms")
    results = [measure(seed) for seed in seeds]
    width = 24
    print(f"{'':<{width}}" + "".join(f"{'seed ' + str(m['seed']):>22}" for m in results))
    for kind in KINDS:
        print(f"{'located: ' + kind:<{width}}" + "".join(f"{_share(m['kinds'][kind]):>22}" for m in results))
    print(f"{'located: all':<{width}}" + "".join(f"{_share(m['located']):>22}" for m in results))
    for kind in KINDS:
        print(f"{'box holds: ' + kind:<{width}}" + "".join(f"{_share(m['held'][kind]):>22}" for m in results))
    print(f"{'box holds: all':<{width}}" + "".join(f"{_share(m['contained']):>22}" for m in results))
    print(f"{'made-up located (false)':<{width}}" + "".join(f"{_share(m['false_hits']):>22}" for m in results))
    print(f"{'grounding ms/doc':<{width}}" + "".join(f"{m['ms_per_doc']:>22.1f}" for m in results))
    print(f"{'text layer ms/doc':<{width}}" + "".join(f"{m['read_ms_per_doc']:>22.1f}" for m in results))
    for m in results:
        if m["misses"] or m["false_hit_list"]:
            print(f"\nseed {m['seed']}:")
            for line in m["misses"] + m["false_hit_list"]:
                print("  " + line)


if __name__ == "__main__":
    main()
