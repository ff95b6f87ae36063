"""PDF pages with a KNOWN reading order, built with PyMuPDF, for measuring text-layer reading order.

Each builder writes one PDF of several pages and returns a ``LayoutDoc``: the path, the kind and, per page,
the truth: the lines of the page in reading order, each line a tuple of words as they should be extracted.

    from tests.layout_docs import build_all, two_column
    doc = two_column(tmp_path / "two.pdf", seed=1)
    doc.pages[0].lines      # (("Annual", "Report", ...), ...)

Kinds (``KINDS``): two_column, three_column, sidebar, table, rotated, hyphenated, arabic, hebrew,
vertical_japanese (true vertical writing, WMode 1), vertical_japanese_chars (each character placed on its
own with a horizontal font) and horizontal_cjk (Chinese without spaces).

How the pages are made
- Latin-script kinds are written as raw content streams (``BT /font size Tf ... Tm (text) Tj ET``) with
  the PDF base-14 fonts (Times, Helvetica; nothing embedded), laid out here: greedy line breaking with
  PyMuPDF's font metrics, justified lines by word spacing (``Tw``) or by placing every word on its own (as
  TeX does; then the stream holds no space characters). Lines of side-by-side columns share baselines.
- The order of the content stream varies by page (``PageTruth.stream``): "reading" (the truth order),
  "blocks" (blocks - columns, title, footer - in a shuffled order, as page-layout programs often write them)
  and "rows" (everything sorted by baseline, then x: what a naive generator writes). So an extractor
  that only follows the stream is not right by construction.
- Rotated pages carry ``/Rotate 90``, ``180`` or ``270``; the text is drawn through a ``cm`` matrix so that
  it reads upright on the page as displayed. (PyMuPDF reports word boxes of such pages in unrotated
  coordinates, lines with ``dir`` (0, -1) for 90, (-1, 0) for 180 and (0, 1) for 270.)
- Arabic and Hebrew pages go through ``Page.insert_htmlbox`` with ``dir="rtl"``: MuPDF shapes them
  with HarfBuzz. Hebrew uses MuPDF's built-in Noto Serif Hebrew (Latin and digits in Charis SIL). Arabic
  uses Debian's Noto Naskh Arabic (package fonts-noto-core) when installed, because the built-in one
  extracts every form of lam (ل) as a glyph id ('Ǆ'); without the package the builder falls back to the
  built-in font and leaves out all words with lam (``arabic_font``). With either font a lam-alef
  ligature extracts as garbage, so words with one are always left out. Each truth line is one
  ``<br>``-separated line of the HTML and the builder checks that MuPDF did not wrap it. Truth is
  logical order: the first word of a line is the rightmost.
- CJK kinds use MuPDF's built-in Droid Sans Fallback (``pymupdf.Font("cjk")``), embedded as a Type0
  font and subset on save; vertical_japanese switches its encoding to ``Identity-V`` (WMode 1) and writes
  each column as one string of glyph ids; vertical_japanese_chars writes each character at its place with
  the same font horizontal (``Identity-H``).

Truth conventions (``tokens`` normalises both sides the same way)
- Words are compared NFKC-normalised (which also turns Arabic presentation forms into letters),
  casefolded, with punctuation and symbols stripped at both ends; empty results are dropped.
- A word that contains CJK characters is compared character by character (Japanese and Chinese have no
  spaces, and extractors disagree on where to put them).
- Hyphenated kind: a word broken at a line end ("infor-" / "mation") is ONE truth word, "information",
  on the line where it starts: an extractor that dehyphenates is right, one that gives "infor- mation"
  misses the word. ``PageTruth.hyphenated`` lists the breaks, (word, head with hyphen, tail).
- Text is drawn from word lists without replacement, so a page repeats few words (and fewer pairs).
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pymupdf

# ---------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PageTruth:
    lines: tuple[tuple[str, ...], ...]  # reading order; each line's words
    stream: str  # order of the content stream: reading, blocks, rows (or "html" for insert_htmlbox pages)
    rotation: int = 0
    layout: str = ""  # a few words on what the page holds
    hyphenated: tuple[tuple[str, str, str], ...] = ()  # (word, "head-", "tail") for words broken at line ends

    @property
    def words(self) -> list[str]:
        return [w for line in self.lines for w in line]


@dataclass(frozen=True)
class LayoutDoc:
    path: Path
    kind: str
    pages: tuple[PageTruth, ...] = ()

    def truth(self, number: int) -> tuple[tuple[str, ...], ...]:
        """The truth lines of page ``number`` (1-based, like docvl's page numbers)."""
        return self.pages[number - 1].lines


# ---------------------------------------------------------------------------------------------------
# Normalisation shared by the tests and bench/reading_order.py

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _edge(c: str) -> bool:
    return unicodedata.category(c)[0] in "PSZC"


def normalise(word: str) -> list[str]:
    """One printed word as comparable tokens: NFKC, casefold, punctuation/symbols stripped at the ends;
    a word with CJK characters becomes its characters. [] when nothing is left."""
    w = unicodedata.normalize("NFKC", word).casefold()
    i, j = 0, len(w)
    while i < j and _edge(w[i]):
        i += 1
    while j > i and _edge(w[j - 1]):
        j -= 1
    w = w[i:j]
    if not w:
        return []
    if _CJK.search(w):
        return [c for c in w if not _edge(c)]
    return [w]


def tokens(text: str) -> list[str]:
    """Extracted text (any whitespace separates words) as comparable tokens."""
    return [t for part in text.split() for t in normalise(part)]


# ---------------------------------------------------------------------------------------------------
# Word lists (real words; few repeats within a page)

_ENGLISH = """
ability absence academy account accurate achieve acquire across action active actual adapt address
adequate adjust admire adopt advance advice affair afford agency agenda agree aircraft airport alarm
album alcohol alive allow almost alone already alter amazing ambition amount analyse ancient angle animal
annual answer anxiety apart apology appeal appear apple apply approach approval argue arise armed arrange
arrival article artist aside asleep aspect assault assemble assess asset assist assume attach attempt
attend attitude attract auction audience author autumn average avoid award aware awkward backing bacteria
badly balance ballot banana bandwidth banker barely barrel barrier basket battery battle beach beauty
bedroom before behave behind belief belong beneath benefit beside betray beyond bicycle billion biology
biscuit bitter blanket blind blossom board boiler bonus border borrow bottle bottom boundary bracket
branch brave breach breakfast breathe breeze brick bridge brief bright brilliant broadcast broken bronze
brother browser bubble bucket budget buffer builder bullet bundle burden bureau butter button cabinet
cable calcium calendar camera campaign canal cancel candle canvas capable capital captain capture carbon
career careful cargo carpet carriage cartoon castle casual catalogue cattle caution ceiling celebrate
cellar cement census central century ceremony certain chain chairman chamber champion channel chapter
charity charter cheap cheese chemical cherry chicken chimney choice chorus circle circuit citizen civil
claim classic clever client climate clinic clock closely clothing cloudy cluster coach coastal cocktail
coffee cognitive collapse collar colleague collect college colony column combat comedy comfort command
comment commerce commission commit common compact company compare compass compete compile complain
complex compose compound comprise compute concede concept concern concert conclude concrete condition
conduct confess confident confirm conflict confront congress connect conquer conscious consent consider
consist constant consult consumer contain contempt content contest context continue contract contrast
control convert convince cookie copper corner corporate correct corridor cottage cotton council counsel
counter country county couple courage course courtesy cousin cover crack craft crash cream create credit
cricket crisis critic crowd crucial cruise crystal cultural culture cupboard curious currency current
curtain cushion custody customer cycle damage danger darkness database daughter deadline dealer debate
decade decent decision declare decline decorate dedicate defeat defence deficit define degree delay
deliver demand democracy density deny depart depend deposit depth deputy derive describe desert design
desire desktop despite destroy detail detect develop device devote diagram dialogue diamond diary
diesel differ digital dilemma dinner diploma direct director disaster discount discover discuss disease
dismiss display dispute distance distinct district disturb divide doctor document dollar domain domestic
donate double doubt downtown dozen draft dragon drama drawer dream dress drift drink driver drought
dynamic eager early earnings easily eastern economy edition editor educate effect efficient effort
eighteen elbow elderly elect electric element elephant elevator eleven eligible eliminate elite embassy
embrace emerge emission emotion emphasis empire employ empty enable encounter endless endorse enemy energy
engage engine enhance enjoy enormous enquiry ensure enterprise entire entrance envelope episode equal
equation equip equity error escape essay essence estate estimate ethical evaluate evening evidence evolve
exact examine example exceed excellent exchange excited exclude excuse execute exercise exhibit exile
exist expand expect expense expert explain explore export expose express extend extent external extra
fabric facility factor factory faculty failure fairly faith famous fantasy farmer fashion fatigue
favour feature federal feedback female festival fiction field fifteen fighter figure finance finger
finish fishing fitness flavour fleet flexible flight float flood floor flower fluid focus folder follow
football forecast foreign forest forget formal format formula fortune forward fossil founder fraction
fragment frame freedom freight frequent fresh friendly frontier frozen fruit function funding furniture
gallery garage garden garlic gather general generous genetic genius gentle genuine gesture giant ginger
glacier glance global glory golden gossip govern grace grade graduate grain grammar grand granite
grateful gravity greatly grocery ground growth guarantee guardian guest guidance guilty guitar habit
hammer handle happen harbour hardware harmony harvest hazard headline health hearing heaven height
helmet heritage hidden highway history hobby holiday hollow honest horizon horror hospital hostile hotel
household housing however human humour hundred hunger hunting hurricane husband identity ignore illegal
illness image imagine immense impact implement imply import impose improve incident include income
increase indeed index indicate indoor industry infant inflation influence inform initial injury inner
innocent input inquiry insect insert inside insight inspect install instance instinct institute
instruct insurance intake integer intend intense interest interior internal interval interview
introduce invasion invent invest invite involve island isolate issue jacket january journal journey
judge juice junior jury justice keyboard kidney kingdom kitchen knife knowledge label labour ladder
landlord landscape language laptop largely laser latter laughter launch lawyer layer leader leaflet
league learning leather lecture legacy legend leisure lemon length lesson letter level liberal library
licence lifestyle lightning likely limit linear liquid listen literacy little living lobby local
locate logic lonely loyalty luggage lunch luxury machine magazine magnet maintain major manager mandate
manner manual marble margin marine market marriage massive master matrix matter maximum meadow measure
medical medium melody member memory mental mention mentor merchant mercy merit message metal method
middle migrant mileage military million mineral minimum minister minority miracle mirror missile mission
mistake mixture mobile model modest moment monitor monkey monopoly monster monthly moral morning mortgage
motion motor mountain movement muscle museum musical mutual mystery narrative narrow nation native
nature nearby neatly neighbour nervous network neutral nothing notice notion novel nowhere nuclear
number nursery nutrient object obscure observe obtain obvious occasion occupy ocean offence offer office
officer offset often olive opening operate opinion opponent oppose optical option orange orbit orchestra
organic origin orphan outcome outdoor outfit outline output outside overall overcome overlap oversee
oxygen package painter palace panel panic parade parallel parent parking partial partner passage
passenger passion passport patient pattern pause payment peaceful peanut pencil pension pepper percent
perfect perform perhaps period permit person persuade petrol phase phrase physical piano picture pigeon
pilot pioneer pipeline pitch placement planet plastic platform player pleasant pledge plenty pocket
poetry pointer poison police policy polite popular portion portrait position positive possess possible
potato poverty powder practice prairie praise precise predict prefer pregnant premium prepare presence
preserve pressure pretty prevent previous price pride primary prince print priority prison private
problem proceed process produce product profile profit program progress project promise promote
prompt proof property proposal prospect protect protein protest provide province public publish pumpkin
puzzle quality quantity quarter question quickly quiet quote rabbit racing radical radio railway rainbow
random rapid rarely rather rating reaction reader realm reason rebel recall receipt recent recipe reckon
record recover recruit reduce reflect reform refugee refuse regard regime region register regular
reject relate relative release relevant relief religion remain remark remedy remote removal render
rental repair repeat replace report request require rescue research reserve resident resign resist
resolve resort resource respect respond restore result retail retain retire return reveal revenue
review reward rhythm ribbon rifle ritual rival river robust rocket romance rotation roughly routine
rubber rumour runway rural sacred saddle safety salad salary sample sandwich satellite satisfy sausage
scandal scatter scenario schedule scheme scholar science scratch screen script sculpture season second
secret sector secure segment select seminar senior sensible sentence separate sequence series servant
service session setting settle seventy severe shadow shallow shelter sheriff shift shipping shortage
shoulder shower signal silence silver similar simple singer single sister sketch skilled slogan slightly
smooth soccer society socket software soldier solely solution somewhat source southern souvenir spatial
speaker special species speech sphere spirit sponsor spread spring square stable stadium staff stance
standard statue status steady stomach storage strategy stream street strength stretch strict strike
string stroke struggle student studio stumble subject submit subsidy suburb success sudden suffer
suggest summit sunlight supply support supreme surface surgeon surplus surprise surround survey
survive suspect sustain swallow symbol symptom syndrome system tactic talent target teacher teenage
telescope temple tenant tender tension terminal terrain terror textile theatre theory therapy thermal
thirty thought thread threat throat thunder ticket timber timely tissue title tobacco toilet tolerate
tomato tongue tonight tourism tourist towards tower traffic tragedy trailer trainer transfer transit
travel treasure treaty trend tribunal trigger trophy trouble truck trustee tunnel turnover twelve
typical umbrella uncle undergo uniform union unique united universe unknown unlikely unusual update
upgrade upset urban urgent useful usually utility vacuum valley valuable variable variety vehicle velvet
venture verdict version vessel veteran victim victory village vintage violence virtual vision visitor
visual vitamin volcano voltage volume voluntary voyage wagon wander warning warrior weakness wealth
weapon weather website wedding weekend welfare western whatever whisper widely widow window winner
winter wireless witness wonder wooden workshop worried worship writer yellow yesterday yield younger
youth zero
"""

_LONG_ENGLISH = """
accommodation accountability administration advertisement agricultural announcement appreciation
approximately architecture archaeological assessment availability bibliography biodiversity
broadcasting bureaucracy calculation celebration certification championship characteristic
circumstances classification collaboration combination commissioner communication comparison
compensation competition complications comprehensive concentration configuration confirmation
consciousness consequences conservation consideration consolidation constitution construction
consultation consumption contamination contribution controversial conversation cooperation
correspondence cultivation declaration demonstration departmental determination development
dictionary disappointment discrimination distribution documentation electricity embarrassment
employment encouragement engineering entertainment environmental establishment examination
expectations experimental explanation extraordinary fundamentally generation geographical governmental
headquarters hospitality identification illustration imagination immigration implementation importance
improvement independence individual industrialisation infrastructure inspiration installation
institutional instrumental intelligence interpretation intervention investigation investment
jurisdiction knowledgeable laboratory legislation maintenance management manufacturing mathematical
measurement mediterranean membership meteorological microprocessor negotiation neighbourhood
nevertheless notification observation occupational opportunity organisation parliamentary participation
performance permanently pharmaceutical philosophical photography precipitation preparation presentation
preservation probability proceedings professional programming proportional prosecution psychological
publication qualification questionnaire recommendation reconstruction refrigerator registration
regulation reinforcement relationship representative reproduction requirements responsibility
restaurant restructuring retirement satisfaction scholarship semiconductor significance specification
spectacular statistically straightforward subscription substantially supplementary sustainability
technological telecommunications temperature thermodynamics transformation transmission transportation
uncertainty understanding unemployment universities vulnerability
"""

_TABLE_LABELS = [
    "North America",
    "South America",
    "Western Europe",
    "Eastern Europe",
    "Middle East",
    "North Africa",
    "East Asia",
    "South Asia",
    "Oceania",
    "Nordic countries",
    "Baltic states",
    "Central Asia",
    "Caribbean",
    "Pumps",
    "Valves",
    "Compressors",
    "Spare parts",
    "Field service",
    "Software licences",
    "Training",
    "Hydraulic seals",
    "Control units",
    "Sensors",
    "Cabling",
    "Installation",
    "Freight",
    "Warranty claims",
    "Head office",
    "Research",
    "Logistics",
    "Marketing",
    "Legal affairs",
    "Procurement",
    "Facilities",
]
_TABLE_HEADERS = [
    "Units",
    "Revenue",
    "Margin",
    "Change",
    "Share",
    "Orders",
    "Backlog",
    "Staff",
    "Budget",
    "Actual",
    "Variance",
    "Forecast",
    "Target",
    "Returns",
    "Net income",
    "Cost base",
    "Growth",
    "Prior year",
]

_ARABIC = """
كتاب مدينة شركة السوق المدرسة الجامعة الحكومة الوزير المشروع التقرير البيانات النتائج المدير الموظفين
العمل الشهر السنة اليوم الماضي القادم البلد الدولة العالم الناس المنزل البيت الطريق السيارة القطار المطار
الفندق المطعم الطعام الماء الكهرباء الطاقة النفط الغاز التجارة الصناعة الزراعة التعليم الصحة المستشفى
الطبيب المريض الدواء البحث العلمي التقنية الحاسوب الهاتف الشبكة الموقع الرسالة البريد الصحيفة الخبر
الرئيس المجلس البرلمان القانون المحكمة القاضي الشرطة الجيش الحرب المفاوضات الميزانية الضرائب الرواتب
التضخم البنك المركزي العملة الدينار الريال الدرهم الجنيه اليورو السعر الفائدة القرض الخسائر المبيعات
التصدير الموانئ الشحن النقل المواصلات الجديدة الكبيرة الصغيرة الثانية الثالثة المهمة الرئيسية العامة
الخاصة المحلية الدولية العربية الخليج المغرب مصر تونس لبنان سوريا العراق الكويت قطر عمان دبي القاهرة
الرياض بيروت بغداد دمشق الجزائر قال أعلن أكد أوضح ذكر أشار ارتفع انخفض بلغ وصل حقق سجل قدم افتتح زار
استقبل ناقش وافق رفض يعمل يدرس يكتب يقرأ يسافر يشتري يبيع في من على عن مع بعد قبل حتى منذ بين عند نحو
حوالي أكثر أقل جدا أيضا كما لكن ثم هذا هذه ذلك تلك الذي التي الذين مجموعة مشاريع خطة برنامج مؤتمر معرض
مكتبة متحف حديقة مسجد شارع ساحة سوق مصنع مزرعة ميناء جسر نهر بحر جبل صحراء مطر شمس ربيع صيف خريف شتاء
مدير موظف تقرير بيانات نتائج سنة شهر يوم ماضي قادم دولة بيت طريق سيارة قطار مطار فندق مطعم طعام ماء كهرباء
طاقة نفط غاز تجارة صناعة زراعة تعليم صحة مستشفى طبيب مريض دواء بحث تقنية حاسوب هاتف شبكة موقع بريد صحيفة
خبر رئيس قانون محكمة قاضي شرطة جيش حرب ميزانية ضرائب رواتب تضخم بنك مركزي دينار درهم جنيه سعر فائدة قرض
خسائر مبيعات تصدير موانئ شحن جديدة كبيرة صغيرة ثانية ثالثة مهمة رئيسية عامة خاصة عربية مغرب سفينة طائرة
"""

_HEBREW = """
שלום עולם ספר בית עיר מדינה ממשלה שר ראש חברה שוק כסף מחיר שקלים שנה חודש יום שבוע היום אתמול מחר בוקר
ערב לילה ילד ילדה ילדים אנשים איש אישה משפחה חבר חברים עבודה עובד עובדים מנהל מורה תלמיד תלמידים
אוניברסיטה מחקר מדע טכנולוגיה מחשב טלפון רשת אתר דואר עיתון חדשות כתבה נשיא כנסת חוק משפט שופט משטרה
צבא מלחמה הסכם תקציב מסים משכורת ריבית בנק הלוואה השקעה רווח הפסד מכירות ייצוא ייבוא נמל תחבורה רכבת
אוטובוס מכונית כביש תעופה מלון מסעדה אוכל מים חשמל אנרגיה נפט חקלאות תעשייה מסחר חינוך בריאות רופא חולה
תרופה ירושלים חיפה אילת נתניה גליל נגב ים כנרת הר עמק נהר גשם שמש רוח חורף קיץ אביב סתיו חדש ישן גדול קטן
ראשון שני שלישי אחרון חשוב מרכזי כללי פרטי מקומי בינלאומי אמר הודיע הסביר הוסיף ציין עלה ירד הגיע הציג
פתח ביקר קיבל הסכים סירב דרש כתב קרא נסע קנה מכר של על עם אחרי לפני במהלך עד מאז בין אצל כמעט יותר פחות
מאוד גם אבל אז זה זאת אשר כי תוכנית פרויקט כנס תערוכה ספרייה מוזיאון גן רחוב כיכר מפעל חווה גשר מדבר
"""

_LATIN_IN_RTL = ["Google", "Microsoft", "Excel", "PDF", "iPhone", "Toyota", "UNESCO", "Wikipedia", "Python"]
_LATIN_PAIRS_IN_RTL = [("New", "York"), ("Silicon", "Valley"), ("Hong", "Kong"), ("Formula", "One")]

_JA_NOUNS = """
東京 大阪 京都 札幌 福岡 日本 政府 経済 社会 文化 歴史 技術 研究 大学 学生 先生 会社 社員 市場 価格 情報 環境
地域 住民 計画 調査 結果 問題 方法 時間 今年 去年 来年 毎日 世界 国際 関係 発展 教育 医療 病院 医者 電車 空港 道路
自動車 新聞 記事 番組 映画 音楽 写真 料理 野菜 果物 電気 天気 山脈 川岸 海外 森林 花火 町内 村長 家族 部屋 手紙
電話 子供 友人 仕事 生活 健康 安全 自然 科学 宇宙 未来 図書館 博物館 公園 駅前 港町 工場 農業 漁業 観光 旅行
会議 委員会 予算 税金 給料 銀行 通貨 輸出 輸入 物流 建設 住宅 鉄道 橋梁 祭り 伝統 芸術 文学 小説 詩人 作家
"""
_JA_PARTICLES = ["は", "が", "を", "に", "で", "と", "の", "も", "から", "まで", "より", "へ"]
_JA_VERBS = """
発表した 開始した 増加した 減少した 参加した 検討している 予定である 行われた 続いている 示している
考えられる 必要である 重要である 報告された 注目されている 紹介した 完成した 確認された
"""

_ZH_NOUNS = """
北京 上海 广州 深圳 中国 政府 经济 社会 文化 历史 技术 研究 大学 学生 老师 公司 员工 市场 价格 信息 环境 地区
居民 计划 调查 结果 问题 方法 时间 今年 去年 明年 世界 国际 关系 发展 教育 医疗 医院 医生 火车 机场 道路 汽车
报纸 新闻 节目 电影 音乐 照片 农业 工业 旅游 银行 货币 出口 进口 物流 建设 住房 铁路 桥梁 节日 传统 艺术 文学
小说 作家 图书馆 博物馆 公园 工厂 能源 电力 天气 森林 河流 城市 农村 家庭 儿童 青年 老人 健康 安全 科学 未来
"""
_ZH_LINKS = ["的", "和", "在", "对", "从", "与", "为", "把", "被", "向"]
_ZH_VERBS = """
宣布 开始 增加 减少 参加 讨论 表示 认为 需要 进行 完成 提高 推动 支持 加强 发布 介绍 改善 扩大 促进
"""


def _split_words(text: str) -> list[str]:
    return list(dict.fromkeys(text.split()))


def _no_lam_alef(word: str) -> bool:
    # MuPDF 1.28 extracts a shaped lam-alef ligature as garbage ('ƾ\x06') with any Noto Arabic font, so
    # such words could not be found in any extraction: leave them out.
    return not re.search("ل[اأإآ]", word)


# Arabic font. MuPDF's built-in Noto Naskh Arabic maps every contextual form of lam (ل) to its glyph id
# instead of a character ('Ǆ'), so with it the pages leave out all words with lam. Debian's
# fonts-noto-core (NotoNaskhArabic-Regular.ttf, 2020) extracts lam right; it is used when installed.
ARABIC_FONT = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
ARABIC_FONT_PACKAGE = "fonts-noto-core"


def arabic_font() -> Path | None:
    """The Debian Noto Naskh Arabic font file, or None (then the built-in font and no words with lam)."""
    return ARABIC_FONT if ARABIC_FONT.is_file() else None


ENGLISH = _split_words(_ENGLISH)
LONG_ENGLISH = _split_words(_LONG_ENGLISH)
ARABIC = [w for w in _split_words(_ARABIC) if _no_lam_alef(w)]
HEBREW = _split_words(_HEBREW)


class _Prose:
    """Sentences of real words drawn without replacement (reshuffled when the pool runs out)."""

    def __init__(self, rng: random.Random, vocab: list[str], numbers: float = 0.06) -> None:
        self.rng = rng
        self.vocab = vocab
        self.pool: list[str] = []
        self.numbers = numbers

    def new_page(self) -> None:
        """Refill the pool: a page repeats a word only once it has used the whole list."""
        self.pool = list(self.vocab)
        self.rng.shuffle(self.pool)

    def word(self) -> str:
        if not self.pool:
            self.pool = list(self.vocab)
            self.rng.shuffle(self.pool)
        return self.pool.pop()

    def number(self) -> str:
        r = self.rng
        kind = r.randrange(4)
        if kind == 0:
            return str(r.randint(1950, 2030))
        if kind == 1:
            return f"{r.randint(1, 99)}.{r.randint(1, 9)}%"
        if kind == 2:
            return f"{r.randint(1, 999)},{r.randint(0, 999):03d}"
        return str(r.randint(11, 999))

    def sentence(self, lo: int = 6, hi: int = 16) -> list[str]:
        words = [
            self.number() if self.rng.random() < self.numbers else self.word() for _ in range(self.rng.randint(lo, hi))
        ]
        words[0] = words[0][:1].upper() + words[0][1:]
        if len(words) > 7 and self.rng.random() < 0.5:
            k = self.rng.randint(3, len(words) - 3)
            words[k] += ","
        words[-1] += "."
        return words

    def paragraph(self, lo: int = 2, hi: int = 5) -> list[str]:
        return [w for _ in range(self.rng.randint(lo, hi)) for w in self.sentence()]

    def title(self, lo: int = 3, hi: int = 7) -> list[str]:
        return [w.capitalize() for w in (self.word() for _ in range(self.rng.randint(lo, hi)))]


# ---------------------------------------------------------------------------------------------------
# Drawing: raw content streams in display coordinates

_METRICS: dict[str, pymupdf.Font] = {}


def _font(name: str) -> pymupdf.Font:
    if name not in _METRICS:
        _METRICS[name] = pymupdf.Font(name)
    return _METRICS[name]


def _width(text: str, font: str, size: float) -> float:
    return _font(font).text_length(text, fontsize=size)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _gids(text: str) -> str:
    font = _font("cjk")
    out = []
    for ch in text:
        gid = font.has_glyph(ord(ch))
        if not gid:
            raise ValueError(f"no glyph for {ch!r} in {font.name}")
        out.append(f"{gid:04x}")
    return "<" + "".join(out) + ">"


class _Canvas:
    """One page. Coordinates are those of the page as displayed (rotation applied), top-left origin,
    y at the baseline; a ``cm`` maps them onto the unrotated page, so text reads upright when viewed."""

    def __init__(self, doc: pymupdf.Document, width: float, height: float, rotation: int = 0) -> None:
        self.doc, self.w, self.h, self.rotation = doc, width, height, rotation
        mw, mh = (width, height) if rotation in (0, 180) else (height, width)
        self.page = doc.new_page(width=mw, height=mh)
        if rotation:
            self.page.set_rotation(rotation)
        self.cm = {
            0: (1, 0, 0, 1, 0, 0),
            90: (0, 1, -1, 0, mw, 0),
            180: (-1, 0, 0, -1, mw, mh),
            270: (0, -1, 1, 0, 0, mh),
        }[rotation]
        self.items: list[tuple[str, float, float, str]] = []  # (group, y, x, operators)
        self.fonts: set[str] = set()
        self.cjk_mode: str | None = None  # "H" or "V" once a CJK string is drawn

    def text(
        self, x: float, y: float, s: str, font: str = "tiro", size: float = 10, group: str = "body", tw: float = 0.0
    ) -> None:
        self.fonts.add(font)
        op = f"BT /{font} {size:g} Tf {tw:.3f} Tw 1 0 0 1 {x:.2f} {self.h - y:.2f} Tm ({_esc(s)}) Tj ET"
        self.items.append((group, y, x, op))

    def cjk(self, x: float, y: float, s: str, size: float, group: str = "body", vertical: bool = False) -> None:
        """CJK text with the embedded Droid Sans Fallback: horizontal from (x, baseline y), or vertical
        (WMode 1) with x the centre of the column and y its top."""
        mode = "V" if vertical else "H"
        if self.cjk_mode not in (None, mode):
            raise ValueError("one document writes its CJK font either horizontal or vertical")
        self.cjk_mode = mode
        op = f"BT /FJ {size:g} Tf 1 0 0 1 {x:.2f} {self.h - y:.2f} Tm {_gids(s)} Tj ET"
        self.items.append((group, y, x, op))

    def finish(self, order: str, rng: random.Random) -> None:
        items = list(self.items)
        if order == "rows":
            items.sort(key=lambda it: (round(it[1], 1), it[2]))
        elif order == "blocks":
            groups = list(dict.fromkeys(g for g, *_ in items))
            shuffled = list(groups)
            while len(groups) > 1 and shuffled == groups:
                rng.shuffle(shuffled)
            groups = shuffled
            rank = {g: i for i, g in enumerate(groups)}
            items.sort(key=lambda it: rank[it[0]])  # stable: lines keep their order inside a block
        elif order != "reading":
            raise ValueError(order)
        for name in sorted(self.fonts):
            self.page.insert_font(fontname=name)
        if self.cjk_mode:
            xref = self.page.insert_font(fontname="FJ", fontbuffer=_font("cjk").buffer)
            self.doc.xref_set_key(xref, "Encoding", f"/Identity-{self.cjk_mode}")
        a, b, c, d, e, f = self.cm
        body = "\n".join(op for *_, op in items)
        stream = f"q {a} {b} {c} {d} {e:g} {f:g} cm\n{body}\nQ\n".encode()
        xref = self.doc.get_new_xref()
        self.doc.update_object(xref, "<<>>")
        self.doc.update_stream(xref, stream)
        self.doc.xref_set_key(self.page.xref, "Contents", f"{xref} 0 R")


_ORDERS = ("reading", "blocks", "rows")


def _save(doc: pymupdf.Document, path: Path, subset: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if subset:
        doc.subset_fonts()
    doc.save(path, garbage=3, deflate=True)
    doc.close()


# ---------------------------------------------------------------------------------------------------
# Line breaking and column flow


@dataclass
class _Style:
    font: str = "tiro"
    size: float = 10.0
    leading: float = 12.0
    justify: bool = True
    per_word: bool = False  # place each word on its own (no spaces in the stream)
    hyphenate: bool = False
    indent: float = 12.0


class _Flow:
    """Paragraphs and headings poured line by line into columns of any width."""

    def __init__(self, elements: list[tuple[str, list[str]]]) -> None:
        self.elements = list(elements)
        self.words: list[str] = []
        self.start = False  # next line starts a paragraph
        self.tail: str | None = None  # second half of a hyphenated word, printed at the next line start
        self.breaks: list[tuple[str, str, str]] = []

    def done(self) -> bool:
        return not self.words and self.tail is None and not self.elements

    def next_is_heading(self) -> bool:
        return not self.words and self.tail is None and bool(self.elements) and self.elements[0][0] == "head"

    def heading(self) -> list[str]:
        return self.elements.pop(0)[1]

    def line(self, width: float, st: _Style, may_break: bool = True) -> tuple[list[str], list[str], bool, bool] | None:
        """(printed words, truth words, first line of its paragraph, last line of its paragraph)."""
        if not self.words and self.tail is None:
            if not self.elements or self.elements[0][0] != "para":
                return None
            self.words = list(self.elements.pop(0)[1])
            self.start = True
        first = self.start
        self.start = False
        avail = width - (st.indent if first else 0)
        space = _width(" ", st.font, st.size)
        printed: list[str] = []
        truth: list[str] = []
        used = 0.0
        if self.tail is not None:
            printed.append(self.tail)
            used = _width(self.tail, st.font, st.size)
            self.tail = None
        while self.words:
            w = self.words[0]
            need = _width(w, st.font, st.size) + (space if printed else 0)
            if used + need <= avail or not printed:
                printed.append(w)
                truth.append(w)
                used += need
                self.words.pop(0)
                continue
            if st.hyphenate and may_break:
                core = w.rstrip(".,")
                if len(core) >= 7 and core.isalpha():
                    for k in _break_points(core):
                        head = w[:k] + "-"
                        if used + space + _width(head, st.font, st.size) <= avail:
                            printed.append(head)
                            truth.append(w)
                            self.tail = w[k:]
                            self.breaks.append((w, head, w[k:]))
                            self.words.pop(0)
                            break
            break
        last = not self.words and self.tail is None
        return printed, truth, first, last


_VOWELS = set("aeiouy")
_DIGRAPHS = {"ch", "ph", "sh", "th", "gh", "ck", "wh"}


def _break_points(word: str) -> list[int]:
    """Where a word may be hyphenated, longest head first: vowel | consonant-vowel ("informa-tion") or
    vowel-consonant | consonant-vowel ("infor-mation"), never inside ch/ph/sh/th/gh/ck/wh, leaving at
    least three letters on each side."""
    w = word.lower()
    points = []
    for k in range(len(w) - 3, 2, -1):
        a, b, c = w[k - 1], w[k], w[k + 1]
        if (
            b in _VOWELS
            or (c not in _VOWELS and c != "r")
            or a + b in _DIGRAPHS
            or (b + c in _DIGRAPHS and a in _VOWELS)
        ):
            continue
        if a in _VOWELS or w[k - 2] in _VOWELS:
            points.append(k)
    return points


def _draw_line(
    cv: _Canvas, x: float, y: float, width: float, words: list[str], st: _Style, first: bool, last: bool, group: str
) -> None:
    if first:
        x += st.indent
        width -= st.indent
    justify = st.justify and not last and len(words) > 1
    space = _width(" ", st.font, st.size)
    natural = sum(_width(w, st.font, st.size) for w in words) + space * (len(words) - 1)
    extra = (width - natural) / (len(words) - 1) if justify else 0.0
    if extra > 1.5 * space:  # an underfull line: set it ragged rather than with holes
        extra = 0.0
    if st.per_word:
        for w in words:
            cv.text(x, y, w, st.font, st.size, group)
            x += _width(w, st.font, st.size) + space + extra
    else:
        cv.text(x, y, " ".join(words), st.font, st.size, group, tw=extra)


def _pour(
    cv: _Canvas,
    flow: _Flow,
    columns: list[tuple[float, float]],
    top: float,
    bottom: float,
    st: _Style,
    head: _Style,
    group: str,
) -> list[list[str]]:
    """Fill ``columns`` ((x, width), in reading order) from ``flow`` on a shared baseline grid."""
    truth: list[list[str]] = []
    slots = int((bottom - top) / st.leading)
    for ci, (x, width) in enumerate(columns):
        slot = 0
        while slot < slots and not flow.done():
            y = top + st.size + slot * st.leading
            if flow.next_is_heading():
                if slot > 0:
                    slot += 1  # a blank line above an inner heading; baselines stay on the grid
                if slot + 3 > slots:
                    break
                words = flow.heading()
                cv.text(x, top + st.size + slot * st.leading, " ".join(words), head.font, head.size, f"{group}{ci}")
                truth.append(words)
                slot += 1
                continue
            got = flow.line(width, st, may_break=ci < len(columns) - 1 or slot < slots - 1)
            if got is None:
                break
            printed, words, first, last = got
            _draw_line(cv, x, y, width, printed, st, first, last, f"{group}{ci}")
            truth.append(words)
            slot += 1
    return truth


def _wrap(words: list[str], font: str, size: float, width: float) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for w in words:
        trial = " ".join([*lines[-1], w])
        if lines[-1] and _width(trial, font, size) > width:
            lines.append([w])
        else:
            lines[-1].append(w)
    return lines


def _full_width(
    cv: _Canvas,
    words: list[str],
    x: float,
    y: float,
    width: float,
    font: str,
    size: float,
    leading: float,
    group: str,
    center: bool = False,
) -> tuple[list[list[str]], float]:
    """Wrapped full-width text (title, footnote); returns the lines and the y below them."""
    lines = _wrap(words, font, size, width)
    for line in lines:
        s = " ".join(line)
        dx = (width - _width(s, font, size)) / 2 if center else 0
        cv.text(x + dx, y + size, s, font, size, group)
        y += leading
    return lines, y


def _flow_elements(prose: _Prose, rng: random.Random, paragraphs: int, headings: int) -> list[tuple[str, list[str]]]:
    elements: list[tuple[str, list[str]]] = [("para", prose.paragraph()) for _ in range(paragraphs)]
    for _ in range(headings):
        elements.insert(rng.randint(2, min(5, len(elements) - 1)), ("head", prose.title(2, 4)))
    return elements


# ---------------------------------------------------------------------------------------------------
# Latin-script articles: one to three columns, sidebar, table


def _article(
    cv: _Canvas,
    rng: random.Random,
    prose: _Prose,
    ncols: int,
    number: int,
    *,
    body: _Style,
    header: bool = False,
    footnote: bool = True,
) -> tuple[list[list[str]], list[tuple[str, str, str]]]:
    """Title, subtitle, ``ncols`` columns, footnote and page number; returns the truth lines and the
    hyphenation breaks."""
    m = rng.uniform(48, 68)
    width = cv.w - 2 * m
    truth: list[list[str]] = []
    y = 40.0
    if header:  # running header: left part and the page number at the right, on one baseline
        left = [
            "Federal",
            "Register",
            "/",
            "Vol.",
            str(rng.randint(60, 90)) + ",",
            "No.",
            str(rng.randint(1, 250)),
            "/",
            "Rules",
            "and",
            "Regulations",
        ]
        right = str(rng.randint(10000, 99999))
        cv.text(m, y, " ".join(left), "helv", 8, "header")
        cv.text(m + width - _width(right, "helv", 8), y, right, "helv", 8, "header")
        truth.append([*left, right])
        y += 18
    lines, y = _full_width(
        cv, prose.title(4, 9), m, y, width, "tibo", 17 if ncols < 3 else 14, 20, "title", center=ncols < 3
    )
    truth += lines
    lines, y = _full_width(cv, prose.sentence(5, 10), m, y + 2, width, "tiit", 11, 14, "subtitle", center=ncols < 3)
    truth += lines
    y += 10
    foot_lines = _wrap(["1", *prose.sentence(10, 30)], "tiro", 7.5, width) if footnote else []
    bottom = cv.h - 40 - 9 * len(foot_lines) - 12
    gap = rng.uniform(12, 30) if ncols == 2 else rng.uniform(10, 16)
    if ncols == 1:
        widths = [width]
    elif ncols == 2:
        r = rng.uniform(0.42, 0.58)
        widths = [(width - gap) * r, (width - gap) * (1 - r)]
    else:
        widths = [(width - 2 * gap) / 3] * 3
    columns, x = [], m
    for w in widths:
        columns.append((x, w))
        x += w + gap
    slots = int((bottom - y) / body.leading)
    flow = _Flow(_flow_elements(prose, rng, paragraphs=max(4, slots * ncols // 3), headings=1 if ncols > 1 else 0))
    head = _Style(font="tibo", size=body.size + 0.5)
    truth += _pour(cv, flow, columns, y, bottom, body, head, "col")
    fy = bottom + 6
    for line in foot_lines:
        cv.text(m, fy + 7.5, " ".join(line), "tiro", 7.5, "footnote")
        truth.append(line)
        fy += 9
    if not header:
        cv.text(cv.w / 2 - 5, cv.h - 28, str(number), "tiro", 9, "folio")
        truth.append([str(number)])
    return truth, flow.breaks


def _page_size(rng: random.Random) -> tuple[float, float]:
    return rng.choice([(612.0, 792.0), (595.0, 842.0)])


def _columns_doc(path: Path, kind: str, seed: int, pages: int, ncols: int, header: bool) -> LayoutDoc:
    rng = random.Random(f"{kind}-{seed}")
    prose = _Prose(rng, ENGLISH)
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        prose.new_page()
        cv = _Canvas(doc, *_page_size(rng))
        size = rng.uniform(9.5, 10.5) if ncols == 2 else rng.uniform(8.5, 9.2)
        body = _Style(size=size, leading=size * 1.2, justify=ncols == 2 or n % 2 == 0, indent=size * 1.2)
        lines, _ = _article(cv, rng, prose, ncols, n + 1, body=body, header=header)
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(PageTruth(_tuple(lines), order, layout=f"{ncols} columns"))
    _save(doc, path)
    return LayoutDoc(Path(path), kind, tuple(truths))


def _tuple(lines: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line) for line in lines if line)


def two_column(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Full-width title and subtitle, two justified columns (unequal widths, varied gap) with an inner
    heading, a full-width footnote and the page number; column lines share baselines."""
    return _columns_doc(path, "two_column", seed, pages, 2, header=False)


def three_column(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Federal Register style: running header (text left, page number right, one line), a heading across
    all three columns, three left-aligned or justified columns, a full-width footnote."""
    return _columns_doc(path, "three_column", seed, pages, 3, header=True)


def sidebar(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """A main column and a narrower sidebar at its right (own heading, smaller type and leading, so
    baselines meet only now and then). Truth: title, main column, sidebar, page number."""
    rng = random.Random(f"sidebar-{seed}")
    prose = _Prose(rng, ENGLISH)
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        prose.new_page()
        cv = _Canvas(doc, *_page_size(rng))
        m = rng.uniform(48, 64)
        width = cv.w - 2 * m
        gap = rng.uniform(16, 28)
        side_w = (width - gap) * rng.uniform(0.28, 0.36)
        main_w = width - gap - side_w
        truth, y = _full_width(cv, prose.title(4, 8), m, 44, width, "hebo", 18, 22, "title")
        y += 12
        bottom = cv.h - 60
        main = _Style(size=10.5, leading=13.0, justify=True, indent=12)
        truth += _pour(
            cv,
            _Flow([("para", prose.paragraph(3, 6)) for _ in range(12)]),
            [(m, main_w)],
            y,
            bottom,
            main,
            main,
            "main",
        )
        side = _Style(font="helv", size=8.5, leading=10.5, justify=False, indent=0)
        sy = y + rng.choice([0, 13, 40])
        head = prose.title(2, 3)
        cv.text(m + main_w + gap, sy + 10, " ".join(head), "hebo", 10, "side")
        truth.append(head)
        flow = _Flow([("para", prose.paragraph(1, 2)) for _ in range(3)])
        truth += _pour(
            cv,
            flow,
            [(m + main_w + gap, side_w)],
            sy + 16,
            min(bottom, sy + 16 + 10.5 * rng.randint(18, 34)),
            side,
            side,
            "side",
        )
        cv.text(cv.w / 2 - 5, cv.h - 30, str(n + 1), "tiro", 9, "folio")
        truth.append([str(n + 1)])
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(PageTruth(_tuple(truth), order, layout="main column and right sidebar"))
    _save(doc, path)
    return LayoutDoc(Path(path), "sidebar", tuple(truths))


def _cell_number(rng: random.Random, col: int) -> str:
    kind = col % 4
    if kind == 0:
        return f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"
    if kind == 1:
        return f"{rng.uniform(0.5, 60):.1f}%"
    if kind == 2:
        return f"{rng.choice('+-')}{rng.uniform(0.1, 25):.1f}"
    return str(rng.randint(10, 9999))


def table(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Borderless tables (header row and 4-9 rows of 3-5 short cells: a label, then numbers aligned right)
    between full-width prose paragraphs. Truth: row by row, left to right, one line per row."""
    rng = random.Random(f"table-{seed}")
    prose = _Prose(rng, ENGLISH)
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        prose.new_page()
        cv = _Canvas(doc, *_page_size(rng))
        m = 64.0
        width = cv.w - 2 * m
        truth, y = _full_width(cv, prose.title(3, 6), m, 48, width, "hebo", 15, 19, "title")
        body = _Style(size=10, leading=12.5, justify=True, indent=0)
        labels = list(_TABLE_LABELS)
        rng.shuffle(labels)
        for t in range(2):
            para = _Flow([("para", prose.paragraph(2, 3))])
            before = []
            while (got := para.line(width, body)) is not None:
                _draw_line(cv, m, y + body.size, width, got[0], body, got[2], got[3], f"para{t}")
                before.append(got[1])
                y += body.leading
            truth += before
            y += 10
            cap = ["Table", f"{n * 2 + t + 1}.", *prose.title(2, 5)]
            cv.text(m, y + 9.5, " ".join(cap), "hebo", 9.5, f"caption{t}")
            truth.append(cap)
            y += 18
            ncols = rng.randint(3, 5)
            heads = rng.sample(_TABLE_HEADERS, ncols - 1)
            label_w = rng.uniform(110, 150)
            col_w = (width - label_w) / (ncols - 1) * rng.uniform(0.6, 1.0)
            rights = [m + label_w + col_w * (j + 1) for j in range(ncols - 1)]
            rows = [["Item", *heads]] + [
                [labels.pop(), *(_cell_number(rng, j) for j in range(ncols - 1))] for _ in range(rng.randint(4, 9))
            ]
            for r, row in enumerate(rows):
                font = "hebo" if r == 0 else "helv"
                line: list[str] = []
                for j, cell in enumerate(row):
                    x = m if j == 0 else rights[j - 1] - _width(cell, font, 9)
                    cv.text(x, y + 9, cell, font, 9, f"t{t}c{j}")
                    line += cell.split()
                truth.append(line)
                y += 13
            y += 12
        tail = _Flow([("para", prose.paragraph(2, 4))])
        while (got := tail.line(width, body)) is not None and y < cv.h - 70:
            _draw_line(cv, m, y + body.size, width, got[0], body, got[2], got[3], "para2")
            truth.append(got[1])
            y += body.leading
        cv.text(cv.w - m - 10, cv.h - 30, str(n + 1), "tiro", 9, "folio")
        truth.append([str(n + 1)])
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(PageTruth(_tuple(truth), order, layout="prose and borderless tables"))
    _save(doc, path)
    return LayoutDoc(Path(path), "table", tuple(truths))


def rotated(path: Path, seed: int = 0, pages: int = 5) -> LayoutDoc:
    """Landscape pages stored portrait with /Rotate 90, 270 (and one 180), text upright as displayed:
    one-column and two-column articles."""
    rng = random.Random(f"rotated-{seed}")
    prose = _Prose(rng, ENGLISH)
    doc = pymupdf.open()
    truths = []
    plan = [(90, 1), (270, 2), (90, 2), (270, 1), (180, 2)]
    for n in range(pages):
        prose.new_page()
        rotation, ncols = plan[n % len(plan)]
        w, h = _page_size(rng)
        cv = _Canvas(doc, *((h, w) if rotation != 180 else (w, h)), rotation=rotation)
        body = _Style(size=10, leading=12, justify=True, indent=12)
        lines, _ = _article(cv, rng, prose, ncols, n + 1, body=body, footnote=ncols == 2)
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(
            PageTruth(_tuple(lines), order, rotation=rotation, layout=f"{ncols} column(s), /Rotate {rotation}")
        )
    _save(doc, path)
    return LayoutDoc(Path(path), "rotated", tuple(truths))


def hyphenated(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Justified prose, every word placed on its own (no space characters in the stream, as TeX writes),
    long words broken at line ends with a hyphen. Truth: the whole word once, on the line it starts."""
    rng = random.Random(f"hyphenated-{seed}")
    prose = _Prose(rng, ENGLISH + LONG_ENGLISH)
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        prose.new_page()
        cv = _Canvas(doc, *_page_size(rng))
        ncols = 1 if n % 2 == 0 else 2
        size = rng.uniform(9.5, 11)
        body = _Style(size=size, leading=size * 1.22, justify=True, per_word=True, hyphenate=True, indent=size * 1.5)
        lines, breaks = _article(cv, rng, prose, ncols, n + 1, body=body)
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(
            PageTruth(_tuple(lines), order, layout=f"{ncols} column(s), hyphenated", hyphenated=tuple(breaks))
        )
    _save(doc, path)
    return LayoutDoc(Path(path), "hyphenated", tuple(truths))


# ---------------------------------------------------------------------------------------------------
# Right to left: Arabic and Hebrew through insert_htmlbox (HarfBuzz shaping, built-in Noto fonts)


def visual_lines(words: list[tuple]) -> list[list[tuple]]:
    """Words (PyMuPDF ``get_text("words")`` tuples) grouped into visual lines by vertical overlap of
    their boxes (a digit and an Arabic letter of one line have different box heights)."""
    lines: list[list[tuple]] = []
    for w in sorted(words, key=lambda w: (w[1] + w[3]) / 2):
        mid = (w[1] + w[3]) / 2
        if lines and lines[-1][0][1] <= mid <= lines[-1][0][3]:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def _rtl_line(rng: random.Random, prose: _Prose, budget: int) -> list[str]:
    words: list[str] = []
    chars = 0
    while chars < budget:
        r = rng.random()
        if r < 0.08:
            w = [str(rng.randint(1990, 2030))]
        elif r < 0.14:
            w = [str(rng.randint(12, 950))]
        elif r < 0.17:
            w = [f"{rng.randint(1, 99)}.{rng.randint(1, 9)}"]
        elif r < 0.20:
            w = [rng.choice(_LATIN_IN_RTL)]
        elif r < 0.22:
            w = list(rng.choice(_LATIN_PAIRS_IN_RTL))
        else:
            w = [prose.word()]
        words += w
        chars += sum(len(x) + 1 for x in w)
    return words


# No text-align in the HTML: MuPDF's Story takes "text-align: right" in an RTL block as the left edge;
# the default (start) puts RTL lines against the right margin.
def _rtl_box(
    page: pymupdf.Page, rect: pymupdf.Rect, heading: list[str] | None, lines: list[list[str]], size: float, lang: str
) -> None:
    body = "<br>".join(" ".join(line) for line in lines)
    head = (
        f'<p style="font-weight:bold;font-size:{size + 4:g}pt;margin:0 0 6pt 0">{" ".join(heading)}</p>'
        if heading
        else ""
    )
    font = arabic_font() if lang == "ar" else None
    family = "font-family:naskh;" if font else ""
    html = f'<div dir="rtl" lang="{lang}" style="{family}font-size:{size:g}pt;line-height:1.45">{head}<p style="margin:0">{body}</p></div>'
    extra = {}
    if font:
        extra = {
            "css": f"@font-face {{font-family: naskh; src: url({font.name});}}",
            "archive": pymupdf.Archive(str(font.parent)),
        }
    spare, scale = page.insert_htmlbox(rect, html, scale_low=1, **extra)
    if spare < 0 or scale != 1:
        raise RuntimeError(f"RTL box overflowed {rect}: {spare}, {scale}")
    # One truth line must be one visual line: count the baselines MuPDF finds in the box.
    expect = len(lines) + (1 if heading else 0)
    got = len(visual_lines(page.get_text("words", clip=rect)))
    if got != expect:
        raise RuntimeError(f"RTL box wrapped: {got} visual lines for {expect} truth lines in {rect}")


def _rtl(path: Path, kind: str, lang: str, vocab: list[str], seed: int, pages: int) -> LayoutDoc:
    rng = random.Random(f"{kind}-{seed}")
    prose = _Prose(rng, vocab)
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        prose.new_page()
        w, h = 595.0, 842.0
        page = doc.new_page(width=w, height=h)
        m = 56.0
        size = 12.0 if lang == "ar" else 11.5
        title = [prose.word() for _ in range(rng.randint(3, 6))]
        truth: list[list[str]] = [title]
        _rtl_box(page, pymupdf.Rect(m, 40, w - m, 80), None, [title], size + 6, lang)
        two = n % 2 == 1
        if not two:
            y = 96.0
            for _ in range(4):
                heading = [prose.word() for _ in range(rng.randint(2, 4))]
                lines = [_rtl_line(rng, prose, 52) for _ in range(rng.randint(3, 6))]
                height = (len(lines) + 2) * size * 1.45 + 14
                _rtl_box(page, pymupdf.Rect(m, y, w - m, y + height), heading, lines, size, lang)
                truth += [heading, *lines]
                y += height + 8
            layout = "one column"
        else:
            gap = 24.0
            cw = (w - 2 * m - gap) / 2
            right = pymupdf.Rect(w - m - cw, 96, w - m, h - 80)
            left = pymupdf.Rect(m, 96, m + cw, h - 80)
            cols = []
            for _ in range(2):
                heading = [prose.word() for _ in range(rng.randint(2, 3))]
                cols.append((heading, [_rtl_line(rng, prose, 22) for _ in range(rng.randint(16, 24))]))
            # The left column (read second) goes into the content stream first on this page.
            _rtl_box(page, left, cols[1][0], cols[1][1], size, lang)
            _rtl_box(page, right, cols[0][0], cols[0][1], size, lang)
            for heading, lines in cols:
                truth += [heading, *lines]
            layout = "two columns, right one first"
        number = str(n + 1)
        page.insert_text((w / 2 - 3, h - 30), number, fontsize=9)
        truth.append([number])
        truths.append(PageTruth(_tuple(truth), "html", layout=layout))
    _save(doc, path, subset=True)
    return LayoutDoc(Path(path), kind, tuple(truths))


def arabic(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Arabic pages (title, headed paragraphs; a two-column page read right column first) with years,
    prices, decimals and Latin names inside the lines. Truth: logical order, rightmost word first.
    Set in Debian's Noto Naskh Arabic (package fonts-noto-core) when installed; without it in MuPDF's
    built-in Noto Naskh, whose lam extracts wrong, so then no word has a lam (see ``arabic_font``)."""
    vocab = ARABIC if arabic_font() else [w for w in ARABIC if "ل" not in w]
    return _rtl(path, "arabic", "ar", vocab, seed, pages)


def hebrew(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Hebrew pages laid out like ``arabic``."""
    return _rtl(path, "hebrew", "he", HEBREW, seed, pages)


# ---------------------------------------------------------------------------------------------------
# CJK: vertical Japanese (two ways) and horizontal Chinese


def _ja_sentence(rng: random.Random, nouns: list[str]) -> list[str]:
    out: list[str] = []
    for _ in range(rng.randint(2, 4)):
        out += [rng.choice(nouns), rng.choice(_JA_PARTICLES)]
    out.append(rng.choice(_JA_VERBS.split()))
    return out


def _zh_sentence(rng: random.Random, nouns: list[str]) -> list[str]:
    out: list[str] = []
    for _ in range(rng.randint(2, 4)):
        out += [rng.choice(nouns), rng.choice(_ZH_LINKS)]
    out += [rng.choice(_ZH_VERBS.split()), rng.choice(nouns), "。"]
    return out


def _pieces(phrases: list[str], capacity: int) -> list[list[str]]:
    """Phrases poured into lines of ``capacity`` characters; a phrase may break across lines."""
    lines: list[list[str]] = [[]]
    room = capacity
    for p in phrases:
        while p:
            if room == 0:
                lines.append([])
                room = capacity
            lines[-1].append(p[:room])
            room -= len(p[:room])
            p = p[len(lines[-1][-1]) :]
    return [line for line in lines if line]


def _vertical(path: Path, kind: str, seed: int, pages: int, wmode: bool) -> LayoutDoc:
    rng = random.Random(f"{kind}-{seed}")
    nouns = _JA_NOUNS.split()
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        w, h = 595.0, 842.0
        cv = _Canvas(doc, w, h)
        size = rng.choice([12.0, 13.0, 14.0])
        pitch = size * rng.uniform(1.6, 1.9)
        m = 56.0
        tiers = 1 if n % 2 == 0 else 2
        tier_h = (h - 2 * m - (tiers - 1) * 2 * size) / tiers
        capacity = int(tier_h / size)
        ncols = int((w - 2 * m) / pitch)
        truth: list[list[str]] = []
        x0 = w - m - size / 2  # centre of the rightmost column
        for t in range(tiers):
            top = m + t * (tier_h + 2 * size)
            columns: list[list[str]] = []
            if t == 0:
                columns.append([rng.choice(nouns) for _ in range(3)])  # title column
                columns.append([])  # blank column after the title
            while len(columns) < ncols:
                phrases = [p for _ in range(rng.randint(2, 4)) for p in _ja_sentence(rng, nouns)]
                columns += _pieces(phrases, capacity)
                columns.append([])  # paragraph break: blank column
            for c, col in enumerate(columns[:ncols]):
                if not col:
                    continue
                cx = x0 - c * pitch
                text = "".join(col)
                fs = size * 1.3 if (t == 0 and c == 0) else size
                if wmode:
                    cv.cjk(cx, top, text, fs, group=f"t{t}c{c}", vertical=True)
                else:
                    for i, ch in enumerate(text):
                        cv.cjk(cx - fs / 2, top + (i + 0.88) * fs, ch, fs, group=f"t{t}c{c}")
                truth.append(col)
        number = str(n + 1)
        cv.text(w / 2 - 3, h - 26, number, "tiro", 9, "folio")
        truth.append([number])
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        layout = f"{tiers} tier(s) of vertical columns, " + (
            "WMode 1 (Identity-V)" if wmode else "one horizontal glyph per character"
        )
        truths.append(PageTruth(_tuple(truth), order, layout=layout))
    _save(doc, path, subset=True)
    return LayoutDoc(Path(path), kind, tuple(truths))


def vertical_japanese(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """True vertical writing: Type0 font with Identity-V encoding (WMode 1), one string per column.
    Columns top to bottom, right to left (two tiers on every other page). Truth: a column is a line."""
    return _vertical(path, "vertical_japanese", seed, pages, wmode=True)


def vertical_japanese_chars(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """The same layout with each character placed on its own with a horizontal font (Identity-H), as
    many generators do; nothing in the file says the text is vertical."""
    return _vertical(path, "vertical_japanese_chars", seed, pages, wmode=False)


def horizontal_cjk(path: Path, seed: int = 0, pages: int = 3) -> LayoutDoc:
    """Horizontal Chinese without spaces: a title, then one or two columns (shared baselines)."""
    rng = random.Random(f"horizontal_cjk-{seed}")
    nouns = _ZH_NOUNS.split()
    doc = pymupdf.open()
    truths = []
    for n in range(pages):
        w, h = 595.0, 842.0
        cv = _Canvas(doc, w, h)
        m = 60.0
        size = 11.0
        truth: list[list[str]] = []
        title = [rng.choice(nouns) for _ in range(3)]
        cv.cjk(m, 70, "".join(title), 18, group="title")
        truth.append(title)
        ncols = 1 if n % 2 == 0 else 2
        gap = 2.5 * size
        cw = (w - 2 * m - (ncols - 1) * gap) / ncols
        capacity = int(cw / size)
        rows = int((h - 2 * m - 60) / (size * 1.6))
        for c in range(ncols):
            lines: list[list[str]] = []
            while len(lines) < rows:
                lines += _pieces([p for _ in range(rng.randint(2, 4)) for p in _zh_sentence(rng, nouns)], capacity)
            for r, line in enumerate(lines[:rows]):
                cv.cjk(m + c * (cw + gap), 110 + r * size * 1.6, "".join(line), size, group=f"col{c}")
                truth.append(line)
        cv.text(w / 2 - 3, h - 26, str(n + 1), "tiro", 9, "folio")
        truth.append([str(n + 1)])
        order = _ORDERS[n % len(_ORDERS)]
        cv.finish(order, rng)
        truths.append(PageTruth(_tuple(truth), order, layout=f"{ncols} column(s) of Chinese"))
    _save(doc, path, subset=True)
    return LayoutDoc(Path(path), "horizontal_cjk", tuple(truths))


# ---------------------------------------------------------------------------------------------------

KINDS: dict[str, Callable[..., LayoutDoc]] = {
    "two_column": two_column,
    "three_column": three_column,
    "sidebar": sidebar,
    "table": table,
    "rotated": rotated,
    "hyphenated": hyphenated,
    "arabic": arabic,
    "hebrew": hebrew,
    "vertical_japanese": vertical_japanese,
    "vertical_japanese_chars": vertical_japanese_chars,
    "horizontal_cjk": horizontal_cjk,
}


def build(kind: str, folder: Path, seed: int = 0) -> LayoutDoc:
    return KINDS[kind](Path(folder) / f"{kind}.pdf", seed=seed)


def build_all(folder: Path, seed: int = 0) -> list[LayoutDoc]:
    return [build(kind, folder, seed) for kind in KINDS]


class Score:
    """Hits and totals of the three figures, summed over pages."""

    def __init__(self) -> None:
        self.pairs = [0, 0]
        self.joins = [0, 0]
        self.words = [0, 0]

    def add(self, truth_lines: tuple[tuple[str, ...], ...], text: str) -> None:
        lines = [toks for line in truth_lines if (toks := [t for w in line for t in normalise(w)])]
        seq = [t for line in lines for t in line]
        out = tokens(text)
        have = Counter(itertools.pairwise(out))
        pairs = list(itertools.pairwise(seq))
        joins = [(a[-1], b[0]) for a, b in itertools.pairwise(lines)]
        for acc, wanted in ((self.pairs, pairs), (self.joins, joins)):
            left = have.copy()
            for p in wanted:
                if left[p] > 0:
                    left[p] -= 1
                    acc[0] += 1
            acc[1] += len(wanted)
        self.words[0] += sum((Counter(seq) & Counter(out)).values())
        self.words[1] += len(seq)

    @staticmethod
    def share(acc: list[int]) -> float:
        return acc[0] / acc[1] if acc[1] else 1.0
