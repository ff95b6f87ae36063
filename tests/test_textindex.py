"""docvl.textindex: language detection, index terms (stemming, stop words, accents, numbers, CJK bigrams)
and BM25 ranking that never raises; end to end through `docvl ask --engine text` and `docvl plan -q` on
Chinese PDFs. Fast, no network, no model."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pymupdf
import pytest

from docvl.engines.text_engine import TextEngine, _passages
from docvl.relevance import rank_pages
from docvl.textindex import TextIndex, detect, detect_language, detect_languages, tokenize

# Paragraphs written for these tests: contract and annual-report prose, the kind of page docvl ranks.
PARAGRAPHS: dict[str, list[str]] = {
    "en": [
        "The supplier shall deliver the goods within thirty days of receiving the purchase order. If the delivery is late, the customer may cancel the order without penalty and claim a refund of any amount already paid.",
        "Revenue for the group grew by eight percent in 2023, driven by higher freight volumes in the second half of the year. Operating costs rose more slowly than sales, so the margin improved for the first time since the pandemic.",
    ],
    "nl": [
        "De leverancier moet de goederen binnen dertig dagen na ontvangst van de bestelling leveren. Als de levering te laat is, kan de klant de bestelling zonder boete annuleren en het reeds betaalde bedrag terugvragen.",
        "Het bedrijf heeft vorig jaar meer winst gemaakt dan verwacht. De omzet steeg vooral in het tweede halfjaar, omdat er meer vracht werd vervoerd en de kosten minder snel stegen dan de verkoop.",
    ],
    "fr": [
        "Le fournisseur doit livrer les marchandises dans un délai de trente jours à compter de la réception de la commande. En cas de retard, le client peut annuler la commande sans pénalité et demander le remboursement des sommes déjà versées.",
        "Le chiffre d'affaires du groupe a progressé de huit pour cent en 2023, grâce à la hausse des volumes de fret au second semestre. Les coûts d'exploitation ont augmenté moins vite que les ventes, ce qui a permis d'améliorer la marge.",
    ],
    "de": [
        "Der Lieferant hat die Ware innerhalb von dreißig Tagen nach Eingang der Bestellung zu liefern. Ist die Lieferung verspätet, kann der Kunde die Bestellung ohne Vertragsstrafe stornieren und die Erstattung bereits gezahlter Beträge verlangen.",
        "Der Umsatz der Gruppe stieg im Jahr 2023 um acht Prozent, vor allem wegen höherer Frachtmengen in der zweiten Jahreshälfte. Die Betriebskosten wuchsen langsamer als der Absatz, sodass sich die Marge zum ersten Mal seit der Pandemie verbesserte.",
    ],
    "es": [
        "El proveedor deberá entregar las mercancías en un plazo de treinta días a partir de la recepción del pedido. Si la entrega se retrasa, el cliente podrá cancelar el pedido sin penalización y solicitar el reembolso de las cantidades ya pagadas.",
        "Los ingresos del grupo crecieron un ocho por ciento en 2023, impulsados por el aumento de los volúmenes de carga en la segunda mitad del año. Los costes operativos subieron más despacio que las ventas, por lo que el margen mejoró.",
    ],
    "it": [
        "Il fornitore deve consegnare la merce entro trenta giorni dal ricevimento dell'ordine. In caso di ritardo nella consegna, il cliente può annullare l'ordine senza penali e chiedere il rimborso delle somme già versate.",
        "Il fatturato del gruppo è cresciuto dell'otto per cento nel 2023, grazie all'aumento dei volumi di merci trasportate nella seconda metà dell'anno. I costi operativi sono saliti meno delle vendite, quindi il margine è migliorato.",
    ],
    "pt": [
        "O fornecedor deve entregar as mercadorias no prazo de trinta dias a contar da receção da encomenda. Se a entrega estiver atrasada, o cliente pode cancelar a encomenda sem penalização e pedir o reembolso dos valores já pagos.",
        "A receita do grupo cresceu oito por cento em 2023, impulsionada pelo aumento dos volumes de carga no segundo semestre. Os custos operacionais subiram mais devagar do que as vendas, e por isso a margem melhorou pela primeira vez desde a pandemia.",
    ],
    "ru": [
        "Поставщик обязан поставить товар в течение тридцати дней с момента получения заказа. Если поставка задерживается, покупатель может отменить заказ без штрафа и потребовать возврата уже уплаченных сумм.",
        "Выручка группы в 2023 году выросла на восемь процентов благодаря увеличению объёмов грузоперевозок во втором полугодии. Операционные расходы росли медленнее продаж, поэтому маржа улучшилась впервые после пандемии.",
    ],
    "zh": [
        "供应商应在收到订单之日起三十天内交付货物。如果交货延迟，客户可以取消订单而无需支付违约金，并要求退还已经支付的款项。",
        "集团二零二三年的收入增长了百分之八，主要得益于下半年货运量的增加。运营成本的增长速度低于销售额，因此利润率自疫情以来首次改善。",
    ],
    "ja": [
        "供給者は、注文書を受領した日から三十日以内に商品を納品しなければならない。納品が遅れた場合、顧客は違約金なしで注文を取り消し、既に支払った金額の返金を求めることができる。",
        "グループの売上高は、下半期の貨物量の増加により、二〇二三年に八パーセント増加した。営業費用の伸びは売上を下回ったため、利益率はパンデミック以降初めて改善した。",
    ],
}
# more languages, one paragraph each: detection beyond the ten docvl is measured on
MORE_PARAGRAPHS: dict[str, str] = {
    "sv": "Leverantören ska leverera varorna inom trettio dagar efter att beställningen har tagits emot. Om leveransen är försenad får kunden avbryta beställningen utan vite och kräva att redan betalda belopp återbetalas.",
    "da": "Leverandøren skal levere varerne inden for tredive dage efter modtagelsen af bestillingen. Hvis leveringen er forsinket, kan kunden annullere bestillingen uden bod og kræve allerede betalte beløb tilbage.",
    "no": "Leverandøren skal levere varene innen tretti dager etter at bestillingen er mottatt. Hvis leveransen er forsinket, kan kunden avbestille uten gebyr og kreve tilbake beløp som allerede er betalt.",
    "pl": "Dostawca jest zobowiązany dostarczyć towar w ciągu trzydziestu dni od otrzymania zamówienia. Jeżeli dostawa jest opóźniona, klient może anulować zamówienie bez kary i żądać zwrotu już zapłaconych kwot.",
    "cs": "Dodavatel je povinen dodat zboží do třiceti dnů od přijetí objednávky. Pokud je dodávka opožděná, může zákazník objednávku zrušit bez sankce a požadovat vrácení již zaplacených částek.",
    "ca": "El proveïdor ha de lliurar les mercaderies en un termini de trenta dies des de la recepció de la comanda. Si el lliurament es retarda, el client pot cancel·lar la comanda sense penalització i demanar el reemborsament dels imports ja pagats.",
    "ro": "Furnizorul trebuie să livreze mărfurile în termen de treizeci de zile de la primirea comenzii. Dacă livrarea întârzie, clientul poate anula comanda fără penalități și poate cere rambursarea sumelor deja plătite.",
    "fi": "Toimittajan on toimitettava tavarat kolmenkymmenen päivän kuluessa tilauksen vastaanottamisesta. Jos toimitus myöhästyy, asiakas voi peruuttaa tilauksen ilman sakkoa ja vaatia jo maksettujen summien palauttamista.",
    "hu": "A szállító köteles az árut a megrendelés kézhezvételétől számított harminc napon belül leszállítani. Ha a szállítás késik, a vevő kötbér nélkül lemondhatja a megrendelést, és kérheti a már kifizetett összegek visszatérítését.",
    "id": "Pemasok harus mengirimkan barang dalam waktu tiga puluh hari setelah pesanan diterima. Jika pengiriman terlambat, pelanggan dapat membatalkan pesanan tanpa denda dan meminta pengembalian jumlah yang sudah dibayar.",
    "tr": "Tedarikçi, siparişin alınmasından itibaren otuz gün içinde malları teslim etmelidir. Teslimat gecikirse, müşteri siparişi cezasız olarak iptal edebilir ve daha önce ödenmiş tutarların iadesini talep edebilir.",
    "ko": "공급자는 주문서를 받은 날로부터 삼십 일 이내에 상품을 납품해야 한다. 납품이 늦어지는 경우 고객은 위약금 없이 주문을 취소하고 이미 지급한 금액의 환불을 요구할 수 있다.",
    "uk": "Постачальник зобов'язаний поставити товар протягом тридцяти днів з моменту отримання замовлення. Якщо поставка затримується, покупець може скасувати замовлення без штрафу та вимагати повернення вже сплачених сум.",
    "el": "Ο προμηθευτής οφείλει να παραδώσει τα εμπορεύματα εντός τριάντα ημερών από την παραλαβή της παραγγελίας. Αν η παράδοση καθυστερήσει, ο πελάτης μπορεί να ακυρώσει την παραγγελία χωρίς ποινή.",
    "ar": "يجب على المورد تسليم البضائع خلال ثلاثين يوما من تاريخ استلام الطلب. وإذا تأخر التسليم، يجوز للعميل إلغاء الطلب دون غرامة والمطالبة باسترداد المبالغ المدفوعة.",
    "th": "ผู้จัดจำหน่ายต้องส่งมอบสินค้าภายในสามสิบวันนับจากวันที่ได้รับใบสั่งซื้อ หากการส่งมอบล่าช้า ลูกค้าสามารถยกเลิกคำสั่งซื้อได้โดยไม่มีค่าปรับ",
    "hi": "आपूर्तिकर्ता को आदेश प्राप्त होने के तीस दिनों के भीतर सामान पहुंचाना होगा। यदि डिलीवरी में देरी होती है, तो ग्राहक बिना जुर्माने के आदेश रद्द कर सकता है।",
}


# --- language detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text"), [(lang, text) for lang, texts in PARAGRAPHS.items() for text in texts])
def test_detects_the_language_of_a_paragraph(language, text):
    found = detect(text)
    assert found.language == language, found
    assert found.confidence > 0


@pytest.mark.parametrize(("language", "text"), list(MORE_PARAGRAPHS.items()))
def test_detects_more_languages(language, text):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "OK", "Total", "12.03.2024  1.249,00 EUR", "Seite 3 von 12", "é è à ù"])
def test_short_or_ambiguous_text_has_no_language(text):
    assert detect_language(text) is None


def test_scripts_name_their_language_even_when_short():
    assert detect_language("合同解除期限是多少天？") == "zh"
    assert detect_language("解除期限はいつですか") == "ja"  # kana between the kanji
    assert detect_language("계약 해지 기한은 언제입니까") == "ko"


def test_a_page_is_the_language_of_its_prose_not_of_its_loan_words():
    japanese = PARAGRAPHS["ja"][0] + " Microsoft Excel 2019 と PDF ファイルを添付した。"
    assert detect_language(japanese) == "ja"
    english = PARAGRAPHS["en"][1] + " The Tokyo office (東京支店) reported separately."
    assert detect_language(english) == "en"
    # a table repeating one word of another language's list is not a sentence of that language
    german_table = (
        "Rechnung\nLeistung pro Monat\nHosting pro Monat 49,00\nBackup pro Monat 9,00\nSupport pro Monat 19,00"
    )
    assert detect_language(german_table) in (None, "de")


def test_document_language_is_the_majority_by_length_and_short_pages_take_it():
    texts = {1: PARAGRAPHS["fr"][0], 2: PARAGRAPHS["fr"][1], 3: PARAGRAPHS["en"][0], 4: "", 5: "Page 5"}
    languages = detect_languages(texts)
    assert languages.document == "fr"
    assert languages.pages == {1: "fr", 2: "fr", 3: "en", 4: None, 5: None}
    assert languages.of(3) == "en" and languages.of(5) == "fr"
    assert detect_languages({1: "", 2: "12 34"}).document == "en"  # nothing says: English


# --- index terms -------------------------------------------------------------------------------------------


def _share_a_term(a: str, b: str, language: str) -> bool:
    return bool(set(tokenize(a, language)) & set(tokenize(b, language)))


@pytest.mark.parametrize(
    ("a", "b", "language"),
    [
        ("promoting", "promoted", "en"),
        ("signed", "sign", "en"),
        ("invoices", "invoice", "en"),
        ("termination", "terminated", "en"),
        ("facturen", "factuur", "nl"),  # Snowball's current Dutch stemmer (PyStemmer "dutch")
        ("overeenkomsten", "overeenkomst", "nl"),
        ("factures", "facturation", "fr"),
        ("résiliation", "résilier", "fr"),
        ("Kündigungen", "Kündigung", "de"),
        ("Verträge", "Vertrag", "de"),
        ("facturas", "factura", "es"),
        ("fatture", "fattura", "it"),
        ("faturas", "fatura", "pt"),
        ("договора", "договоры", "ru"),
    ],
)
def test_stemming_unifies_forms_of_a_word(a, b, language):
    assert _share_a_term(a, b, language), (tokenize(a, language), tokenize(b, language))


def test_stemming_checked_against_what_snowball_really_does():
    # Dutch Snowball does not unify betaling/betaald; English keeps "sign" and "signature" apart
    assert not _share_a_term("betaling", "betaald", "nl")
    assert not _share_a_term("signature", "sign", "en")


@pytest.mark.parametrize(
    ("typed", "printed", "language"),
    [("echeance", "échéance", "fr"), ("Strasse", "Straße", "de"), ("Muller", "Müller", "de"), ("ano", "año", "es")],
)
def test_a_question_typed_without_accents_matches(typed, printed, language):
    assert _share_a_term(typed, printed, language)


def test_stop_words_of_the_language_go_numbers_and_codes_stay():
    assert tokenize("the of and what which", "en") == []
    assert tokenize("le la les des une", "fr") == []
    assert tokenize("der die das und", "de") == []
    terms = tokenize("Invoice 2024-0113, order INV2024X7, section 5", "en")
    assert {"2024", "0113", "20240113", "inv2024x7", "5"} <= set(terms)
    assert "a" not in tokenize("a b c", "en")  # lone letters of a spaced script say nothing


def test_cjk_runs_become_bigrams_across_the_spaces_a_pdf_puts_between_characters():
    assert tokenize("合同解除", "zh", query=True) == ["合同", "同解", "解除"]
    assert tokenize("合 同 解\n除", "zh", query=True) == ["合同", "同解", "解除"]
    assert set(tokenize("合同解除", "zh")) >= {"合同", "解除", "合", "除"}  # documents: single ideographs too
    assert tokenize("税", "zh", query=True) == ["税"]
    # Japanese with Latin words: each run by its script, the English word stemmed as English
    terms = tokenize("PDFファイルを開く invoices", "ja")
    assert {"pdf", "ファイ", "invoic"} - set(terms) == {"ファイ"} and "ファ" in terms


# --- ranking -----------------------------------------------------------------------------------------------

CHINESE_PAGES = {
    1: "公司简介：本公司成立于一九九八年，主要从事物流运输和仓储服务，员工约五百人。",
    2: "付款条款：客户应在收到发票后四十五天内付款，逾期付款按每日万分之五计收滞纳金。",
    3: "合同解除：任何一方提前解除本合同的，应当书面通知对方，解除期限为三十天。",
    4: "保密义务：双方对在合作过程中知悉的商业秘密负有保密义务，期限为五年。",
    5: "争议解决：因本合同引起的争议，提交上海国际仲裁中心按照其规则仲裁。",
}


def test_a_japanese_question_finds_the_chinese_page_that_answers_it():
    scores = rank_pages(CHINESE_PAGES, "契約の解除期限は何日ですか")  # shares 解除, 期限 with page 3
    assert max(scores, key=lambda n: scores[n] or 0) == 3
    chinese = rank_pages(CHINESE_PAGES, "合同解除期限是多少天？")
    assert max(chinese, key=lambda n: chinese[n] or 0) == 3
    arbitration = rank_pages(CHINESE_PAGES, "争议由哪个仲裁机构解决？")
    assert max(arbitration, key=lambda n: arbitration[n] or 0) == 5


def test_a_one_character_question_matches_single_ideographs():
    scores = rank_pages({1: "增值税发票", 2: "运输合同"}, "税")
    assert scores[1] > 0 and scores[2] == 0


def test_empty_vocabulary_and_stop_word_queries_score_zero_never_raise():
    pages = {1: "é è à ù ô", 2: "", 3: "a b c"}
    assert rank_pages(pages, "What is the total?") == {1: 0.0, 2: None, 3: 0.0}
    assert rank_pages({1: "invoice total 300", 2: ""}, "the of what is") == {1: 0.0, 2: None}
    assert rank_pages({1: "invoice total 300"}, "   ") == {1: None}  # no question: not ranked, as before
    index = TextIndex(["é è à", "", "の"])
    assert index.empty and index.scores("anything") == [0.0, 0.0, 0.0] and index.top("anything", 3) == []


def test_numbers_and_codes_pick_their_page():
    pages = {n: f"Invoice 2024-{n:04d}\nCustomer Brightwater Supplies\nTotal due 1,249.00 EUR" for n in range(100, 120)}
    for query in ("invoice 2024-0113", "Which invoice is number 20240113?", "0113"):
        scores = rank_pages(pages, query)
        assert max(scores, key=lambda n: scores[n] or 0) == 113, query


def test_stemmed_question_matches_other_forms_on_the_page():
    pages = {
        1: "The board promoted three managers and signed the lease for the new depot.",
        2: "Freight volumes fell in the second half; costs rose.",
    }
    scores = rank_pages(pages, "Who was promoting, and what about signing?")  # no word as printed
    assert scores[1] > 0 and scores[2] == 0
    dutch = {
        1: "De factuur is op 3 maart verstuurd. Wij vragen u het bedrag binnen dertig dagen te betalen, anders "
        "worden er kosten in rekening gebracht.",
        2: "De levering was te laat, maar de klant heeft de goederen toch aangenomen.",
    }
    assert rank_pages(dutch, "Welke facturen zijn er?")[1] > 0


def test_a_mixed_language_document_ranks_each_page_in_its_own_language():
    pages = {
        1: PARAGRAPHS["fr"][0],  # delivery, French
        2: PARAGRAPHS["de"][1],  # revenue, German
        3: PARAGRAPHS["en"][0],  # delivery, English
        4: PARAGRAPHS["ja"][1],  # revenue, Japanese
        5: "Der Kunde kann die Bestellungen stornieren, wenn die Lieferungen verspätet sind.",
    }
    assert detect_languages(pages).pages == {1: "fr", 2: "de", 3: "en", 4: "ja", 5: "de"}
    english = rank_pages(pages, "Can the customer cancel a late delivery?")
    assert max(english, key=lambda n: english[n] or 0) == 3
    french = rank_pages(pages, "Le client peut-il annuler les commandes livrées en retard ?")
    assert max(french, key=lambda n: french[n] or 0) == 1
    german = rank_pages(pages, "Wann darf der Kunde eine Bestellung stornieren?")  # Bestellung ~ Bestellungen
    assert max(german, key=lambda n: german[n] or 0) in (2, 5) and german[5] > 0
    japanese = rank_pages(pages, "売上高はどれだけ増加しましたか")
    assert max(japanese, key=lambda n: japanese[n] or 0) == 4


def test_ranking_on_threads_gives_the_same_scores():
    # each call builds its own stemmers: PyStemmer's are not thread-safe, docvl plans documents on threads
    pages = {n: text for n, text in enumerate([t for texts in PARAGRAPHS.values() for t in texts], start=1)}
    expected = rank_pages(pages, "When must the supplier deliver the goods?")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: rank_pages(pages, "When must the supplier deliver the goods?"), range(32)))
    assert all(r == expected for r in results)


def test_rank_pages_can_be_told_the_language():
    pages = {1: "De factuur is verstuurd.", 2: "Levering."}  # too short to detect: English by default
    assert rank_pages(pages, "facturen")[1] == 0
    assert rank_pages(pages, "facturen", language="nl")[1] > 0


# --- text engine -------------------------------------------------------------------------------------------


def test_text_engine_quotes_the_cjk_passage_and_says_when_nothing_matches():
    engine = TextEngine()
    passages = [(n, chunk) for n, text in CHINESE_PAGES.items() for chunk in _passages(text)]
    answer = engine._ask("合同解除期限是多少天？", passages)
    assert answer.splitlines()[1].startswith("[Page 3] 合同解除") and answer.splitlines()[-1].startswith("Pages: 3")
    assert "No passage" in engine._ask("What is the total?", [(1, "é è à ù"), (2, "ô û")])
    assert "No passage" in engine._ask("the of and", [(1, "invoice total 300")])


def test_passages_join_cjk_lines_without_a_space_and_keep_the_last_line():
    assert _passages("合同解除期限\n为三十天。\nTotal due\n300 EUR") == [
        "合同解除期限为三十天。 Total due",
        "为三十天。 Total due 300 EUR",  # four lines: the last one used to be in no passage
    ]
    six = _passages("\n".join(f"line {i}" for i in range(6)))
    assert any("line 5" in p for p in six)


# --- end to end through the CLI ----------------------------------------------------------------------------

FILLER = [
    "本季度仓库共处理货物一万二千件，比上季度增加百分之六。",
    "员工培训计划包括安全操作、客户服务和信息系统三个部分。",
    "办公用品采购由行政部统一负责，每月汇总一次。",
    "车队共有冷藏车四十辆，平均车龄为三点五年。",
    "新仓库位于城市东部，面积约两万平方米。",
]


def _chinese_pdf(path, pages: int, answer_page: int, answer: str):
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        page.insert_text((50, 60), f"第{n}页", fontname="china-s", fontsize=14)
        lines = [answer] if n == answer_page else []
        lines += [FILLER[(n + i) % len(FILLER)] for i in range(3)]
        for i, line in enumerate(lines):
            page.insert_text((50, 100 + 22 * i), line, fontname="china-s", fontsize=11)
    doc.save(path)
    return path


def test_cli_ask_text_engine_on_a_chinese_pdf(tmp_path, run_cli):
    answer = "合同解除期限为三十天，须以书面形式通知对方。"
    pdf = _chinese_pdf(tmp_path / "合同.pdf", 6, 4, answer)
    result = run_cli("ask", pdf, "合同解除期限是多少天？", "--engine", "text", "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["pages"] and out["pages"][0] == 4
    assert answer in out["answer"]


@pytest.mark.slow
def test_cli_plan_ranks_a_long_chinese_pdf(tmp_path, run_cli):
    pdf = _chinese_pdf(tmp_path / "long.pdf", 80, 57, "合同解除期限为三十天，须以书面形式通知对方。")
    result = run_cli(
        "plan", pdf, "-q", "合同的解除期限是多少天？", "--context", "16384", "--page-mode", "image", "--json"
    )
    assert result.code == 0, result.err
    plan = json.loads(result.out)["documents"][0]["plan"]
    kept = {p["number"]: p for p in plan["pages"]}
    assert 57 in kept and plan["dropped"]  # ranking was needed, and the answer page is kept
    assert kept[57]["score"] == max(p["score"] or 0 for p in plan["pages"]) > 0
    assert {p["language"] for p in plan["pages"]} == {"zh"}
    assert any(note.startswith("page text language: zh") for note in plan["notes"])


def test_plan_says_which_language_each_page_is_in(tmp_path, run_cli):
    doc = pymupdf.open()
    for _ in range(2):
        doc.new_page().insert_text(
            (72, 72),
            "Die Rechnung ist innerhalb von dreißig Tagen nach Erhalt zu bezahlen und wir danken Ihnen.",
            fontsize=9,
        )
    doc.new_page().insert_text(
        (72, 72), "The invoice is payable within thirty days of receipt, with our thanks.", fontsize=9
    )
    doc.save(tmp_path / "mixed.pdf")
    result = run_cli("plan", tmp_path / "mixed.pdf")
    assert result.code == 0, result.err
    assert "text [de]" in result.out and "note: page text language: de (pages 1, 2), en (page 3)" in result.out
    english = run_cli("plan", tmp_path / "mixed.pdf", "--pages", "3")
    assert "[en]" not in english.out and "page text language" not in english.out  # English goes unsaid
