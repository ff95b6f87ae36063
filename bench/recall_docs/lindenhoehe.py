"""UVP-Bericht Windpark Lindenhöhe: a German environmental impact report (fictional; CC0 1.0).

The report of the usual shape (§ 16 UVPG): non-technical summary, project description with technical data
and land take, alternatives, method, one chapter per protected good ("Schutzgut": people/noise/shadow
flicker, animals, plants, soil, water, climate, landscape, cultural heritage), interactions, mitigation and
compensation, conclusion. The prose keeps naming the wind farm, the turbines and each chapter's subject, so
a question's nouns are on many pages. The questions are German; each has a paraphrase with other word forms
than the page (compounds split or joined, verb for noun, inflections, synonyms), as readers ask.
"""

from __future__ import annotations

from make import DocBuilder, Filler, bar_chart, pie_chart

FOOTER = "UVP-Bericht Windpark Lindenhöhe - Planungsbüro Seidel & Partner"


def _low(s: str) -> str:
    return s[0].lower() + s[1:] if s.split()[0] in {"Der", "Die", "Das", "Ein", "Eine"} else s


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


TEMPLATES = [
    lambda r, p: f"{p('subject')} {p('verb')[0]} {p('object')[0]} {p('tail')}",
    lambda r, p: f"{p('opener')} {p('verb')[0]} {_low(p('subject'))} {p('object')[0]} {p('tail')}",
    lambda r, p: f"{p('subject')} hat {p('object')[0]} {p('tail')} {p('verb')[1]}",
    lambda r, p: f"{p('subject')} {p('verb')[0]} {p('object')[0]}, da {p('clause')}",
    lambda r, p: f"{p('lead')}, dass {p('clause')}",
    lambda r, p: (lambda o: f"{_cap(o[0])} {'werden' if o[1] else 'wird'} {p('tail')} {p('verb')[1]}")(p("object")),
    lambda r, p: f"{p('opener')} {p('verb')[0]} {_low(p('subject'))} {p('object')[0]} und {p('object')[0]}",
]

VOCAB = {
    "opener": [
        "Im Rahmen der Bestandsaufnahme",
        "Für den geplanten Windpark Lindenhöhe",
        "Im Umfeld der geplanten Anlagenstandorte",
        "Während der Bauphase",
        "Nach derzeitigem Kenntnisstand",
        "Im weiteren Genehmigungsverfahren",
        "Darüber hinaus",
        "Vor diesem Hintergrund",
        "Im Untersuchungsgebiet",
        "Für die Betriebsphase",
        "In der Gesamtschau",
        "Bezogen auf den Windpark Lindenhöhe",
        "Im Anschluss an die Geländebegehungen",
        "Ergänzend",
    ],
    "subject": [
        "Das Gutachterbüro",
        "Die Vorhabenträgerin",
        "Die Untere Naturschutzbehörde",
        "Die Genehmigungsbehörde",
        "Der Fachgutachter",
        "Die Bestandserfassung",
        "Das Planungsteam",
        "Die vorliegende Unterlage",
        "Die Prognose",
        "Die ökologische Baubegleitung",
        "Der UVP-Bericht",
        "Die Betreiberin des Windparks",
    ],
    "verb": [
        ("bewertet", "bewertet"),
        ("untersucht", "untersucht"),
        ("berücksichtigt", "berücksichtigt"),
        ("dokumentiert", "dokumentiert"),
        ("beschreibt", "beschrieben"),
        ("prüft", "geprüft"),
        ("betrachtet", "betrachtet"),
        ("erfasst", "erfasst"),
        ("beurteilt", "beurteilt"),
        ("ermittelt", "ermittelt"),
        ("analysiert", "analysiert"),
        ("überprüft", "überprüft"),
        ("bilanziert", "bilanziert"),
    ],
    # (accusative = nominative form, plural?) so the passive template can use it as a subject
    "object": [
        ("die Auswirkungen des Vorhabens", True),
        ("die Vorbelastung im Untersuchungsraum", False),
        ("mögliche Wechselwirkungen zwischen den Schutzgütern", True),
        ("die Empfindlichkeit der betroffenen Flächen", False),
        ("die Ergebnisse der Geländebegehungen", True),
        ("das Risiko erheblicher Beeinträchtigungen", False),
        ("die Vorgaben des Bundesnaturschutzgesetzes", True),
        ("die kumulierenden Wirkungen benachbarter Windparks", True),
        ("die Hinweise der Träger öffentlicher Belange", True),
        ("die Zuwegung zu den Anlagenstandorten", False),
        ("die Kranstellflächen und Montageflächen", True),
        ("das Konzept der ökologischen Baubegleitung", False),
        ("die Windenergieanlagen des Windparks Lindenhöhe", True),
        ("die Lage der geplanten Windenergieanlagen", False),
    ],
    "tail": [
        "nach dem Stand der Technik",
        "auf Grundlage der vorliegenden Kartierungen",
        "im Einvernehmen mit der Unteren Naturschutzbehörde",
        "für den gesamten Untersuchungsraum",
        "gemäß den einschlägigen Leitfäden des Landes",
        "unter Berücksichtigung der Vorbelastung",
        "im Rahmen der Genehmigungsplanung",
        "mit der gebotenen Sorgfalt",
        "getrennt nach Bau-, Anlage- und Betriebsphase",
        "in enger Abstimmung mit den Fachbehörden",
        "im Sinne einer konservativen Betrachtung",
        "vollständig",
    ],
    "clause": [
        "die Datengrundlage für diesen Bereich ausreichend ist",
        "erhebliche nachteilige Umweltauswirkungen nicht zu erwarten sind",
        "die Fachbehörden entsprechende Hinweise gegeben haben",
        "der Untersuchungsraum großräumig abgegrenzt wurde",
        "die Vermeidungsmaßnahmen bereits in der Planung berücksichtigt sind",
        "eine Beeinträchtigung nicht vollständig ausgeschlossen werden kann",
        "die Bauarbeiten zeitlich begrenzt sind",
        "die Vorbelastung durch bestehende Windenergieanlagen zu berücksichtigen ist",
        "der Windpark Lindenhöhe in einem bereits vorbelasteten Raum liegt",
    ],
    "lead": [
        "Dabei ist zu berücksichtigen",
        "Es ist davon auszugehen",
        "Die Auswertung zeigt",
        "Aus gutachterlicher Sicht ist festzuhalten",
        "Im Ergebnis bleibt festzustellen",
        "Hervorzuheben ist",
    ],
}

TOPICS = {
    "mensch": dict(
        subject=["Die Schallimmissionsprognose", "Das Schattenwurfgutachten", "Der Schallgutachter"],
        object=[
            ("die Schallimmissionen an den Wohngebäuden", True),
            ("die nächtliche Geräuschbelastung der Anwohner", False),
            ("die Beschattungsdauer an den Immissionsorten", False),
            ("die Abschaltautomatik für den Schattenwurf", False),
            ("die Gefahr durch Eisabwurf", False),
            ("die optisch bedrängende Wirkung der Anlagen", False),
        ],
        clause=[
            "die Immissionsrichtwerte der TA Lärm eingehalten werden",
            "die Anwohner in Lindenau und Birkenfelde betroffen sind",
        ],
    ),
    "tiere": dict(
        subject=[
            "Die avifaunistische Kartierung",
            "Die Fledermauserfassung",
            "Der Artenschutzfachbeitrag",
            "Der Ornithologe",
        ],
        object=[
            ("die Flugaktivität der Fledermäuse", False),
            ("das Brutvorkommen des Rotmilans", False),
            ("die Zugrouten der Kraniche", True),
            ("das Kollisionsrisiko für Greifvögel", False),
            ("die Quartiere in den angrenzenden Wäldern", True),
            ("die Nahrungshabitate der Brutvögel", True),
            ("die Raumnutzung des Schwarzstorchs", False),
            ("die Abschaltzeiten der Windenergieanlagen", True),
        ],
        clause=[
            "die Fledermäuse die Waldränder als Jagdgebiet nutzen",
            "der Rotmilan das Offenland zur Nahrungssuche nutzt",
        ],
    ),
    "pflanzen": dict(
        subject=["Die Biotoptypenkartierung", "Der Vegetationskundler", "Die Eingriffsbilanzierung"],
        object=[
            ("die Biotoptypen im Bereich der Zuwegung", True),
            ("die Waldbestände am Lindenberg", True),
            ("die geschützten Biotope nach Landesrecht", True),
            ("die Ersatzaufforstung", False),
            ("die Rodungsflächen für die Kranstellflächen", True),
        ],
        clause=[
            "Waldflächen nur in geringem Umfang betroffen sind",
            "die Kiefernforste eine geringe ökologische Wertigkeit haben",
        ],
    ),
    "boden": dict(
        subject=["Das Bodengutachten", "Die bodenkundliche Baubegleitung"],
        object=[
            ("die Bodenfunktionen an den Anlagenstandorten", True),
            ("die Verdichtung des Unterbodens", False),
            ("die Versiegelung durch Fundamente und Wege", False),
            ("die Rekultivierung der Montageflächen", False),
        ],
        clause=["die Böden im Plangebiet überwiegend sandig sind", "der Oberboden getrennt gelagert wird"],
    ),
    "wasser": dict(
        subject=["Das hydrogeologische Gutachten", "Die Wasserbehörde"],
        object=[
            ("die Grundwasserneubildung", False),
            ("die Sicherung der Trinkwassergewinnung", False),
            ("die Gräben und Kleingewässer", True),
            ("die Lagerung wassergefährdender Stoffe", False),
        ],
        clause=[
            "das Grundwasser in großer Tiefe ansteht",
            "wassergefährdende Stoffe nur in geringen Mengen eingesetzt werden",
        ],
    ),
    "klima": dict(
        subject=["Die Klimabilanz", "Die Energieertragsprognose"],
        object=[
            ("die Einsparung von Treibhausgasen", False),
            ("die lokalen Kaltluftabflüsse", True),
            ("die Bedeutung für die Energiewende", False),
            ("die Stromerzeugung des Windparks", False),
        ],
        clause=["Windenergie fossile Kraftwerksleistung ersetzt", "die lokalklimatischen Wirkungen gering sind"],
    ),
    "landschaft": dict(
        subject=["Die Landschaftsbildanalyse", "Die Sichtbarkeitsanalyse", "Die Visualisierung"],
        object=[
            ("die Eigenart des Landschaftsbildes", False),
            ("die Fernwirkung der Windenergieanlagen", False),
            ("die Blickbeziehungen vom Eichelberg", True),
            ("die Erholungsnutzung im Naturpark", False),
            ("die Tages- und Nachtkennzeichnung", False),
        ],
        clause=[
            "die Anlagen weithin sichtbar sein werden",
            "der Landschaftsraum bereits durch Hochspannungsleitungen geprägt ist",
        ],
    ),
    "kultur": dict(
        subject=["Die Denkmalfachbehörde", "Die archäologische Prospektion"],
        object=[
            ("die Bodendenkmale im Umfeld", True),
            ("die Sichtachsen auf die Dorfkirche", True),
            ("die historischen Kulturlandschaftselemente", True),
        ],
        clause=["Funde während der Erdarbeiten nicht ausgeschlossen werden können"],
    ),
    "massnahmen": dict(
        subject=["Der landschaftspflegerische Begleitplan", "Die Kompensationsplanung"],
        object=[
            ("die Vermeidungsmaßnahmen", True),
            ("die Ausgleichsmaßnahmen im Naturraum", True),
            ("die Ersatzgeldzahlung", False),
            ("die Bauzeitenregelung", False),
            ("die Ersatzaufforstung", False),
        ],
        clause=["der Eingriff vollständig kompensiert wird", "die Maßnahmen vor Baubeginn umgesetzt werden"],
    ),
}


def document() -> DocBuilder:
    f = Filler(VOCAB, TEMPLATES, seed=1663)
    b = DocBuilder(
        "lindenhoehe_uvp",
        title="UVP-Bericht Windpark Lindenhöhe",
        footer=FOOTER,
        folio="Seite",
        paper="a4",
        filler=f,
        scale=2.0,
    )
    b.contents_title = "Inhaltsverzeichnis"
    b.title_page(
        "Windpark Lindenhöhe<br/>UVP-Bericht",
        [
            "Bericht zu den voraussichtlichen Umweltauswirkungen nach § 16 UVPG",
            "Errichtung und Betrieb eines Windparks in den Gemarkungen Lindenau und Birkenfelde, Landkreis Hohenstein",
            "Verfasser: Planungsbüro Seidel & Partner, Landschaftsarchitekten",
            "Fiktives Vorhaben - synthetisches Evaluationsdokument (CC0)",
        ],
    )

    def topic(name: str | None) -> None:
        f.topic = TOPICS[name] if name else {}

    b.chapter("1. Allgemein verständliche Zusammenfassung")
    topic(None)
    b.para(
        "Der vorliegende UVP-Bericht beschreibt und bewertet die voraussichtlichen Umweltauswirkungen des geplanten "
        "Windparks Lindenhöhe auf die Schutzgüter nach dem Gesetz über die Umweltverträglichkeitsprüfung."
    )
    b.filler(14)

    b.chapter("2. Einleitung")
    b.h2("2.1 Anlass und Aufgabenstellung")
    b.filler(3)
    b.para("Das Vorhaben wird von der Windkontor Lindenhöhe GmbH & Co. KG mit Sitz in Kassel beantragt.")
    b.filler(4)
    b.para("Die Inbetriebnahme des Windparks ist für das dritte Quartal 2027 vorgesehen.")
    b.filler(3)
    b.h2("2.2 Rechtliche Grundlagen")
    b.filler(8)
    b.h2("2.3 Aufbau des Berichts")
    b.filler(5)

    b.chapter("3. Beschreibung des Vorhabens")
    b.h2("3.1 Standort und Umgebung")
    b.filler(4)
    b.para(
        "Geplant ist die Errichtung von neun Windenergieanlagen des Typs Solvind SV-163 auf landwirtschaftlich "
        "genutzten Flächen und in Kiefernforsten nördlich der Ortslage Lindenau."
    )
    b.filler(5)
    b.h2("3.2 Anlagentechnik")
    b.filler(2)
    b.table(
        [
            ["Merkmal", "Wert"],
            ["Nennleistung je Anlage", "5,6 MW"],
            ["Nabenhöhe", "169 m"],
            ["Rotordurchmesser", "163 m"],
            ["Gesamthöhe", "250,5 m"],
            ["Einschaltwindgeschwindigkeit", "3 m/s"],
            ["Fundament", "Flachgründung, Durchmesser 26 m"],
        ],
        caption="Tabelle 3.1 Technische Daten des Anlagentyps Solvind SV-163",
    )
    b.filler(5)
    b.para("Die installierte Gesamtleistung des Windparks beträgt 50,4 MW.")
    b.filler(4)
    b.h2("3.3 Bauablauf")
    b.filler(3)
    b.para("Die Bauzeit beträgt voraussichtlich 14 Monate, beginnend mit der Herstellung der Zuwegung.")
    b.filler(4)
    b.h2("3.4 Flächeninanspruchnahme")
    b.filler(3)
    b.table(
        [
            ["Flächenart", "Fläche"],
            ["Fundamente (vollversiegelt)", "0,41 ha"],
            ["Kranstellflächen (geschottert, dauerhaft)", "1,62 ha"],
            ["Zuwegung (neu, geschottert, dauerhaft)", "0,32 ha"],
            ["Summe dauerhaft versiegelte und teilversiegelte Flächen", "2,35 ha"],
            ["Montage- und Lagerflächen (temporär)", "3,10 ha"],
        ],
        caption="Tabelle 3.2 Flächenbilanz des Vorhabens",
    )
    b.filler(5)

    b.chapter("4. Geprüfte Alternativen")
    b.filler(14)
    b.chapter("5. Untersuchungsrahmen und Methodik")
    b.filler(16)

    b.chapter("6. Schutzgut Menschen, insbesondere die menschliche Gesundheit")
    topic("mensch")
    b.h2("6.1 Schall")
    b.filler(3)
    b.para(
        "Nach der TA Lärm gilt zur Nachtzeit für allgemeine Wohngebiete ein Immissionsrichtwert von 40 dB(A) und "
        "für Dorf- und Mischgebiete ein Immissionsrichtwert von 45 dB(A)."
    )
    b.filler(12)
    b.table(
        [
            ["Immissionsort", "Gebietseinstufung", "Beurteilungspegel nachts"],
            ["IO 1 Lindenau, Am Sportplatz 4", "WA", "38,9 dB(A)"],
            ["IO 2 Lindenau, Mühlenweg 11", "MI", "42,7 dB(A)"],
            ["IO 3 Aussiedlerhof Kämpe", "Außenbereich", "43,8 dB(A)"],
            ["IO 4 Birkenfelde, Ortsrand", "MI", "41,3 dB(A)"],
            ["IO 5 Birkenfelde, Schulstraße 2", "WA", "37,6 dB(A)"],
        ],
        caption="Tabelle 6.1 Beurteilungspegel zur Nachtzeit an den maßgeblichen Immissionsorten",
    )
    b.filler(6)
    b.h2("6.2 Schattenwurf")
    b.filler(6)
    b.table(
        [
            ["Immissionsort", "Beschattungsdauer astronomisch maximal (h/Jahr)", "maximal (min/Tag)"],
            ["IO 1 Lindenau, Am Sportplatz 4", "18:45", "27"],
            ["IO 2 Lindenau, Mühlenweg 11", "41:20", "38"],
            ["IO 3 Aussiedlerhof Kämpe", "63:05", "44"],
            ["IO 4 Birkenfelde, Ortsrand", "12:10", "19"],
        ],
        caption="Tabelle 6.2 Astronomisch maximal mögliche Beschattungsdauer",
    )
    b.filler(6)
    b.h2("6.3 Eiswurf und Eisabfall")
    b.filler(6)
    b.h2("6.4 Optisch bedrängende Wirkung")
    b.filler(7)

    b.chapter("7. Schutzgut Tiere")
    topic("tiere")
    b.h2("7.1 Brutvögel")
    b.filler(8)
    b.para(
        "Der nächstgelegene Horst des Rotmilans liegt 1.150 m südwestlich der WEA 7 und damit außerhalb des "
        "zentralen Prüfbereichs."
    )
    b.filler(8)
    b.h2("7.2 Zug- und Rastvögel")
    b.filler(10)
    b.h2("7.3 Fledermäuse")
    b.filler(6)
    b.para(
        "Zum Schutz der Fledermäuse werden alle Anlagen vom 1. April bis zum 31. Oktober von einer Stunde vor "
        "Sonnenuntergang bis Sonnenaufgang abgeschaltet, wenn die Windgeschwindigkeit in Gondelhöhe unter 6,0 m/s "
        "liegt und die Lufttemperatur über 10 °C beträgt."
    )
    b.filler(5)
    bats = [12.4, 18.9, 27.5, 41.8, 56.2, 33.7, 9.6]
    b.chart(
        bar_chart(
            "Fledermauskontakte je Nacht (Gondelmonitoring)",
            ["Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt"],
            bats,
            fmt="{:.1f}",
        ),
        "Abbildung 7.4 Fledermausaktivität im Jahresverlauf",
        forbid=["56,2", "56.2", "41,8"],
    )
    b.filler(8)
    b.h2("7.4 Weitere Artengruppen")
    b.filler(10)

    b.chapter("8. Schutzgut Pflanzen und biologische Vielfalt")
    topic("pflanzen")
    b.filler(8)
    b.para(
        "Für die Anlagenstandorte WEA 3 und WEA 4 sowie die Zuwegung ist eine dauerhafte Rodung von 1,84 ha "
        "Kiefernforst erforderlich, die im Verhältnis eins zu zwei ersetzt wird."
    )
    b.filler(12)

    b.chapter("9. Schutzgut Fläche und Boden")
    topic("boden")
    b.filler(18)

    b.chapter("10. Schutzgut Wasser")
    topic("wasser")
    b.filler(6)
    b.para(
        "Die Standorte WEA 2 und WEA 3 liegen in der Schutzzone III des Wasserschutzgebiets Quellen am Lindenbach; "
        "dort gelten besondere Auflagen für den Umgang mit Betriebsstoffen."
    )
    b.filler(10)

    b.chapter("11. Schutzgut Klima und Luft")
    topic("klima")
    b.filler(6)
    b.para(
        "Der Windpark wird voraussichtlich rund 112 GWh Strom im Jahr erzeugen und damit etwa 71.000 Tonnen CO2 "
        "pro Jahr einsparen."
    )
    b.filler(8)

    b.chapter("12. Schutzgut Landschaft")
    topic("landschaft")
    b.filler(10)
    vis = [("sichtbar", 38.5), ("teilweise sichtverschattet", 21.0), ("nicht sichtbar", 40.5)]
    b.chart(
        pie_chart("Sichtbarkeit im Radius von 10 km", [k for k, _ in vis], [v for _, v in vis]),
        "Abbildung 12.2 Ergebnis der Sichtbarkeitsanalyse",
        forbid=["38,5", "38.5", "40,5"],
    )
    b.filler(10)

    b.chapter("13. Kulturelles Erbe und sonstige Sachgüter")
    topic("kultur")
    b.filler(5)
    b.para("Rund 380 m nordöstlich der WEA 5 liegt das Bodendenkmal Hügelgrab am Eichelberg.")
    b.filler(7)

    b.chapter("14. Wechselwirkungen")
    topic(None)
    b.filler(12)

    b.chapter("15. Maßnahmen zur Vermeidung, Verminderung und Kompensation")
    topic("massnahmen")
    b.h2("15.1 Vermeidung und Verminderung")
    b.filler(12)
    b.h2("15.2 Ersatzgeld für das Landschaftsbild")
    b.filler(4)
    b.table(
        [
            ["Anlagen", "Höhe", "Wertstufe Landschaftsbild", "Ersatzgeld"],
            ["WEA 1 bis WEA 4", "250,5 m", "mittel", "178.400 EUR"],
            ["WEA 5 bis WEA 9", "250,5 m", "gering", "234.400 EUR"],
            ["Summe", "", "", "412.800 EUR"],
        ],
        caption="Tabelle 15.2 Ersatzgeld für Beeinträchtigungen des Landschaftsbildes",
    )
    b.filler(8)

    b.chapter("16. Störfälle und grenzüberschreitende Auswirkungen")
    topic(None)
    b.filler(8)
    b.chapter("17. Schwierigkeiten und Kenntnislücken")
    b.filler(7)
    b.chapter("18. Fazit")
    b.para(
        "Zusammenfassend ist festzustellen, dass bei Umsetzung der beschriebenen Vermeidungs- und "
        "Kompensationsmaßnahmen keine erheblichen nachteiligen Umweltauswirkungen verbleiben."
    )
    b.filler(8)
    b.chapter("Literatur- und Quellenverzeichnis")
    for ref in REFERENCES:
        b.para(ref)

    # ---- questions (written with the facts, before any ranking was looked at)
    b.q(
        "Welches Unternehmen beantragt den Windpark Lindenhöhe?",
        "Wer ist Antragsteller für das Projekt?",
        "Windkontor Lindenhöhe GmbH & Co. KG",
        ["Das Vorhaben wird von der Windkontor Lindenhöhe"],
        "text",
    )
    b.q(
        "Wann soll der Windpark in Betrieb genommen werden?",
        "Ab wann soll der Park Strom liefern?",
        "Q3 2027",
        ["Die Inbetriebnahme des Windparks ist"],
        "text",
    )
    b.q(
        "Wie hoch ist die Nabenhöhe der geplanten Anlagen?",
        "Wie hoch über dem Boden sitzt die Rotornabe?",
        169,
        ["Tabelle 3.1 Technische Daten"],
        "table",
        note="m",
    )
    b.q(
        "Welche Gesamtleistung hat der Windpark?",
        "Wie viele Megawatt leisten alle Windräder zusammen?",
        50.4,
        ["Die installierte Gesamtleistung des Windparks"],
        "text",
        note="MW",
    )
    b.q(
        "Wie lange dauert die Bauzeit?",
        "Wie lange wird am Windpark gebaut?",
        14,
        ["Die Bauzeit beträgt voraussichtlich 14 Monate"],
        "text",
        note="Monate",
    )
    b.q(
        "Wie groß ist die dauerhaft versiegelte Fläche?",
        "Wie viel Boden wird auf Dauer versiegelt?",
        2.35,
        ["Tabelle 3.2 Flächenbilanz"],
        "table",
        note="ha, voll- und teilversiegelt",
    )
    b.q(
        "Wie hoch ist der Beurteilungspegel zur Nachtzeit am Immissionsort IO 2 (Lindenau, Mühlenweg 11)?",
        "Wie laut wird es nachts am Mühlenweg in Lindenau?",
        42.7,
        ["Tabelle 6.1 Beurteilungspegel"],
        "table",
        note="dB(A)",
        only_on_gold=["42,7 dB(A)"],
    )
    b.q(
        "Um wie viele dB(A) unterschreitet der nächtliche Beurteilungspegel am Immissionsort IO 4 den Immissionsrichtwert?",
        "Wie weit bleibt der Lärm nachts am Ortsrand von Birkenfelde unter dem erlaubten Grenzwert?",
        3.7,
        ["Tabelle 6.1 Beurteilungspegel", "für Dorf- und Mischgebiete ein Immissionsrichtwert von 45 dB(A)"],
        "two-page",
        "table+text",
        note="IO 4 ist Mischgebiet: 45 - 41,3",
    )
    b.q(
        "Wie viele Stunden Schattenwurf im Jahr sind am Immissionsort IO 2 astronomisch maximal möglich?",
        "Wie lange im Jahr können die Rotoren höchstens Schatten auf das Haus Mühlenweg 11 werfen?",
        "41:20 h",
        ["Tabelle 6.2 Astronomisch maximal"],
        "table",
        only_on_gold=["41:20"],
    )
    b.q(
        "Wie weit ist der nächstgelegene Horst des Rotmilans von der WEA 7 entfernt?",
        "Wie weit liegt der nächste Rotmilanhorst von den Windrädern weg?",
        1150,
        ["Der nächstgelegene Horst des Rotmilans liegt"],
        "text",
        note="m",
    )
    b.q(
        "In welchem Zeitraum werden die Anlagen zum Schutz der Fledermäuse abgeschaltet?",
        "Wann gilt die fledermausbedingte Abschaltung der Windräder?",
        "1. April bis 31. Oktober, nachts",
        ["Zum Schutz der Fledermäuse werden alle Anlagen"],
        "text",
    )
    b.q(
        "In welchem Monat war die Fledermausaktivität laut Gondelmonitoring am höchsten?",
        "Wann im Jahr fliegen die meisten Fledermäuse an den Gondeln?",
        "August (56,2 Kontakte je Nacht)",
        ["Abbildung 7.4 Fledermausaktivität"],
        "chart",
        note="value printed only inside the raster chart",
    )
    b.q(
        "Wie viel Kiefernforst muss dauerhaft gerodet werden?",
        "Wie viel Wald geht durch die Windräder dauerhaft verloren?",
        1.84,
        ["eine dauerhafte Rodung von 1,84 ha"],
        "text",
        note="ha",
    )
    b.q(
        "Welche Anlagen liegen in der Schutzzone III des Wasserschutzgebiets?",
        "Welche Windräder stehen im Trinkwasserschutzgebiet?",
        "WEA 2 und WEA 3",
        ["liegen in der Schutzzone III des Wasserschutzgebiets"],
        "text",
    )
    b.q(
        "Wie viel CO2 spart der Windpark pro Jahr ein?",
        "Welche Menge Kohlendioxid wird durch den Park jährlich vermieden?",
        71000,
        ["71.000 Tonnen"],
        "text",
        note="t",
    )
    b.q(
        "Wie viel CO2 spart jede einzelne Anlage durchschnittlich pro Jahr ein?",
        "Wie viel Kohlendioxid vermeidet ein einzelnes Windrad im Jahr?",
        7889,
        ["Geplant ist die Errichtung von neun Windenergieanlagen", "71.000 Tonnen"],
        "two-page",
        "text",
        note="71.000 t / 9 Anlagen",
    )
    b.q(
        "Von welchem Anteil der Fläche im 10-km-Radius aus sind die Anlagen laut Sichtbarkeitsanalyse sichtbar?",
        "Von wie viel Prozent der Umgebung aus kann man die Windräder sehen?",
        38.5,
        ["Abbildung 12.2 Ergebnis der Sichtbarkeitsanalyse"],
        "chart",
        note="value printed only inside the raster chart",
    )
    b.q(
        "Welches Bodendenkmal liegt in der Nähe der WEA 5?",
        "Welche archäologische Fundstelle gibt es nahe den Anlagen?",
        "Hügelgrab am Eichelberg",
        ["liegt das Bodendenkmal Hügelgrab am Eichelberg"],
        "text",
    )
    b.q(
        "Wie hoch ist das Ersatzgeld für die Beeinträchtigung des Landschaftsbildes?",
        "Welchen Betrag zahlt der Betreiber als Ausgleich für die veränderte Landschaft?",
        412800,
        ["Tabelle 15.2 Ersatzgeld"],
        "table",
        note="EUR",
        only_on_gold=["412.800"],
    )
    generic = {
        "title": ["Bericht zu den voraussichtlichen Umweltauswirkungen nach § 16 UVPG"],
        "summary": ["Der vorliegende UVP-Bericht beschreibt und bewertet"],
        "conclusion": ["Zusammenfassend ist festzustellen, dass bei Umsetzung"],
    }
    b.q("Worum geht es in diesem Dokument?", None, "UVP-Bericht zum Windpark Lindenhöhe", generic, "generic")
    b.q("Fasse den Bericht kurz zusammen.", None, "Zusammenfassung", generic, "generic")
    b.q("Was ist der Zweck dieses Berichts?", None, "Umweltauswirkungen beschreiben und bewerten", generic, "generic")
    return b


REFERENCES = [
    "Gesetz über die Umweltverträglichkeitsprüfung (UVPG) in der jeweils geltenden Fassung.",
    "Gesetz über Naturschutz und Landschaftspflege (Bundesnaturschutzgesetz - BNatSchG).",
    "Technische Anleitung zum Schutz gegen Lärm (TA Lärm).",
    "Hinweise zur Ermittlung und Beurteilung der optischen Immissionen von Windenergieanlagen (WKA-Schattenwurfhinweise).",
    "Länderarbeitsgemeinschaft der Vogelschutzwarten: Abstandsempfehlungen für Windenergieanlagen zu bedeutsamen "
    "Vogellebensräumen sowie Brutplätzen ausgewählter Vogelarten.",
    "Leitfaden Umsetzung des Arten- und Habitatschutzes bei der Planung und Genehmigung von Windenergieanlagen.",
    "Kompensationserlass Windenergie des Landes (fiktiv).",
    "Landschaftsrahmenplan des Landkreises Hohenstein (fiktiv).",
    "Regionalplan Nordhessen-Mitte, Teilplan Energie (fiktiv).",
    "Planungsbüro Seidel & Partner: Avifaunistisches Gutachten zum Windpark Lindenhöhe (fiktiv).",
    "Planungsbüro Seidel & Partner: Fledermauskundliches Gutachten zum Windpark Lindenhöhe (fiktiv).",
    "Ingenieurbüro Kestner: Schallimmissionsprognose und Schattenwurfgutachten Windpark Lindenhöhe (fiktiv).",
]
