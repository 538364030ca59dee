"""Real captioned drawings: Openclipart, Tux Paint stamps and three emoji sets.

Every drawing becomes one record of the caption table (`drawings.jsonl` in the
data cache, written by `prepare_drawings.py`):

    {"id": "openmoji/1F6B4-1F3FF", "source": "emoji", "style": "openmoji",
     "image": "images/openmoji/1F6B4-1F3FF.png", "captions": ["a person biking with dark skin tone", ...],
     "objects": ["biking", "person", "bicycle", "cyclist", ...],
     "attributes": {"person": "person", "activity": "biking", "tone": "dark"},
     "split": "train"}

The rules that turn metadata into captions live in `reference_captions`, the
ones that say which words name the drawing's object in `object_words`, and the
splits in `assign_split`. Sources (each with its licence; the README lists them):

    openclipart  Debian openclipart-svg: SVG with dc:title, dc:description, keywords (public domain)
    tuxpaint     Debian tuxpaint-stamps-default: PNG/SVG stamps with one-line captions (GPL-2)
    openmoji     npm openmoji 17.0.0: SVG emoji with CLDR names and tags (CC BY-SA 4.0)
    twemoji      npm emoji-datasource-twitter 16.0.0: 64 px PNG (images CC BY 4.0)
    noto         npm emoji-datasource-google 16.0.0: 64 px PNG of Noto Color Emoji (Apache 2.0)
"""

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

from rnnzoo.applications.common.data import cache_dir

EMOJI_STYLES = ("openmoji", "twemoji", "noto")
HELD_OUT_STYLE = "noto"  # never trained on: the "style" split is all of it
SPLITS = ("train", "validation", "test", "style", "combinations")
PERSONS = ("person", "man", "woman")
TONES = ("light", "medium-light", "medium", "medium-dark", "dark")
DICTIONARY = Path("/usr/share/dict/american-english")  # Debian wamerican: which title words are English

# Words that never name what a drawing shows: boilerplate of the metadata.
COLOURS = frozenset("red orange yellow green blue purple violet pink brown black white gray grey gold silver".split())
GENERIC = frozenset(
    "a an the of and or in on at to for with by from is are it its this that clipart clip art drawing picture "
    "image icon icons symbol symbols sign signs svg png eps remix unsorted other misc miscellaneous color colour "
    "colored coloured black white line outline simple cartoon style skin tone light medium dark set collection "
    "part flat theme openclipart public domain new old my your big small hash".split()
)
PREPOSITIONS = frozenset("on with in of at for from by under over near beside behind holding and or".split())


def default_folder():
    return cache_dir() / "drawings"


# ---------------------------------------------------------------------------
# Words.
# ---------------------------------------------------------------------------
def tokens(text):
    """Lower-case words, as the captioner's vocabulary splits them ("Medium-dark" -> medium, dark)."""
    return re.findall(r"[a-z0-9']+", text.lower())


IRREGULAR_PLURALS = {"people": "person", "men": "man", "women": "woman", "children": "child", "feet": "foot",
                     "teeth": "tooth", "mice": "mouse", "geese": "goose"}


def stem(word):
    """A crude singular, so "cats" matches "cat" and "berries" "berry" (both sides are stemmed)."""
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def english_words():
    """The lower-case words of Debian's wamerican list (empty when it is not installed)."""
    if not DICTIONARY.is_file():
        return frozenset()
    # Lower-case entries only: capitalised ones are names ("Gallo", "Di"), not English words.
    lines = DICTIONARY.read_text(encoding="utf-8", errors="replace").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and w.strip()[0].islower())


def is_english(text, dictionary=None):
    """Whether three quarters of `text`'s words (3+ letters) are English dictionary words."""
    dictionary = english_words() if dictionary is None else dictionary
    words = [w for w in tokens(text) if w.isalpha() and len(w) > 2]
    if not words or not dictionary:
        return bool(words)
    known = sum(w in dictionary or stem(w) in dictionary for w in words)
    return known >= 0.75 * len(words)


def with_article(phrase):
    """ "dog" -> "a dog", "apple" -> "an apple"; plurals ("dead frogs") and
    phrases that start with an article or a number keep none."""
    words = phrase.split()
    if not words or words[0] in ("a", "an", "the") or re.fullmatch(r"\d+", words[0]):
        return phrase
    head = head_noun(phrase)
    if stem(head) != head:
        return phrase
    return ("an " if words[0][0] in "aeiou" else "a ") + phrase


# ---------------------------------------------------------------------------
# Metadata -> reference captions.
# ---------------------------------------------------------------------------
_BOILERPLATE = [
    r"part of the .*? collection.*",
    r"\bclip ?arts?\b",
    r"\bby [a-z][a-z .'-]*$",
    r"\(.*?\)|\[.*?\]",
    r"\b(svg|png|eps|remix|icon|vector|openclipart|drawing)s?\b",
    r"\b\d+\b",
]


def clean_title(title, creator=""):
    """ "Dog_On_Leash_02" -> "dog on leash": separators to spaces, camelCase split,
    numbers, the author's name and boilerplate removed."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", title or "")
    text = re.sub(r"[_\-./]+", " ", text).lower()
    names = [n for n in tokens(creator) if len(n) > 2]
    if names:  # "by Nicu Buculei" goes as a whole, then any stray part of the name
        text = re.sub(r"\bby\s+" + r"\s+".join(map(re.escape, names)), " ", text)
    for name in names:
        if len(name) > 2:
            text = re.sub(rf"\b{re.escape(name)}\b", " ", text)
    for pattern in _BOILERPLATE:
        text = re.sub(pattern, " ", text)
    return " ".join(w for w in tokens(text) if w.isalpha() or ("'" in w and not w.startswith("'")))


_ABOUT_THE_FILE = (
    r"(done|made|created|drawn|drew|traced|tracing|based|inspired|remade|remake|original|originally|"
    r"version|from|part|my|i|i'm|this is|here is|here's|another|simple|quick|first|just|uploaded|exported)\b"
)


def _sentence(description):
    """A description that reads as one English sentence of 3-30 words, cleaned; else ""."""
    text = re.sub(r"\s+", " ", description or "").strip()
    text = re.split(r"(?<=[.!?])\s", text)[0]
    if not text or re.search(r"https?://|www\.|\.com\b|converted|copyright|licen[cs]e|\bversion\b", text, re.I):
        return ""
    if re.match(_ABOUT_THE_FILE, text, re.I):
        return ""  # "Made with Sodipodi", "Done for my daughter's play": about the file, not the picture
    words = tokens(text)
    if not 3 <= len(words) <= 30 or not is_english(text):
        return ""
    return " ".join(words)


def _emoji_name(name):
    """A CLDR emoji name as captions: "man biking: dark skin tone" -> "a man biking with dark skin tone"."""
    head, _, detail = (name or "").lower().partition(":")
    head, detail = " ".join(tokens(head)), " ".join(detail.split())
    if not head:
        return []
    if not detail:
        return [with_article(head)]
    tones = re.findall(r"((?:medium-)?(?:light|dark)|medium) skin tone", detail)
    if tones:
        spelled = " and ".join(f"{t} skin tone" for t in tones)
        return [f"{with_article(head)} with {spelled}", f"{head} {spelled}"]
    if head == "flag":
        return [f"the flag of {' '.join(tokens(detail))}", f"{' '.join(tokens(detail))} flag"]
    return [f"{with_article(head)} {' '.join(tokens(detail))}".strip()]


def reference_captions(title="", description="", keywords=(), creator="", emoji=False, caption="", file_name=""):
    """The reference captions of one drawing, from its metadata.

    Rules, in order; each adds at most one or two captions, duplicates dropped:

    0. A caption written as one (Tux Paint's "A mountain goat.") is kept as
       it is, in the vocabulary's words, and the rules below are skipped.
    1. An emoji's CLDR name becomes a phrase with an article, its skin tones
       spelled out ("with dark skin tone"), flags as "the flag of ...".
    2. A description that reads as one English sentence of 3-30 words (no URL,
       no "converted from", no licence text) is the first caption.
    3. The title, cleaned (`clean_title`: separators, numbers, the author's name,
       "clipart" and the like removed), with an article, when most of its words
       are English.
    4. With neither, the file's name, cleaned as a title, when it is English
       ("house_02.svg" -> "a house").
    5. Else the first English keyword that is not boilerplate: "a drawing of a star".
    No caption at all means the drawing is left out.

    >>> reference_captions("Dog_On_Leash", keywords=["mammal", "dog"])
    ['a dog on leash']
    >>> reference_captions("Birthday cake", "An iced cake with a burning candle in it. Colour version.")
    ['an iced cake with a burning candle in it', 'a birthday cake']
    >>> reference_captions("Part of the Flat Icon Collection", file_name="house_02")
    ['a house']
    >>> reference_captions("", keywords=["clipart", "stars", "shapes"])
    ['a drawing of stars']
    >>> reference_captions("man biking: dark skin tone", emoji=True)
    ['a man biking with dark skin tone', 'man biking dark skin tone']
    >>> reference_captions(caption="A rainbow lorikeet.")
    ['a rainbow lorikeet']
    >>> reference_captions("flag: Germany", emoji=True)
    ['the flag of germany', 'germany flag']
    """
    if caption:
        captions = [" ".join(tokens(caption))]
    elif emoji:
        captions = _emoji_name(title)
    else:
        captions = [_sentence(description)]
        cleaned = clean_title(title, creator)
        if cleaned and is_english(cleaned) and len(cleaned.split()) <= 12:
            captions.append(with_article(cleaned))
        named = clean_title(file_name, creator)
        if not any(captions) and named and is_english(named) and len(named.split()) <= 12:
            captions.append(with_article(named))
        if not any(captions):
            words = [w for k in keywords for w in [clean_title(k)] if w and w not in GENERIC and is_english(w)]
            if words:
                captions.append(f"a drawing of {with_article(words[0])}")
    seen, out = set(), []
    for caption in captions:
        if caption and caption not in seen:
            seen.add(caption)
            out.append(caption)
    return out


def head_noun(phrase):
    """The word a phrase is about: the last word before its first preposition
    ("a dog on leash" -> "dog", "a mountain goat" -> "goat")."""
    words = [w for w in tokens(phrase) if w not in ("a", "an", "the")]
    head = []
    for word in words:
        if word in PREPOSITIONS and head:
            break
        head.append(word)
    return head[-1] if head else ""


def object_words(captions, keywords=(), category=""):
    """The words of which any one, in a caption, names the drawing's object:
    the head noun of each reference, a person word leading it ("man biking"
    -> man and biking), its non-generic English keywords and the last folder
    of its category path ("animals/mammals" -> mammal), all stemmed; colour
    words are left out (they name a colour, not an object).

    >>> object_words(["a dog on leash"], ["mammal", "dog", "animal", "clipart"], "animals/mammals")
    ['animal', 'dog', 'mammal']
    """
    words = set()
    for caption in captions:
        words.add(head_noun(caption))
        first = [w for w in tokens(caption) if w not in ("a", "an", "the")][:1]
        if first and first[0] in PERSONS:
            words.add(first[0])
    leaf = category.strip("/").rsplit("/", 1)[-1] if category else ""
    for keyword in [*keywords, leaf.replace("_", " ")]:
        for word in tokens(keyword):
            if word.isalpha() and len(word) > 2 and word not in GENERIC and is_english(word):
                words.add(word)
    return sorted({stem(w) for w in words if w and w not in GENERIC and w not in COLOURS})


def names_object(caption, objects):
    """Whether `caption` holds one of `objects` (stemmed words)."""
    return bool({stem(w) for w in tokens(caption)} & set(objects))


# ---------------------------------------------------------------------------
# Plain shapes: the emoji that are a coloured geometric shape.
# ---------------------------------------------------------------------------
SHAPES = ("circle", "square", "heart", "diamond", "triangle", "star")
_SHAPE = re.compile(r"^an? ((?:large |small )?(?:" + "|".join(sorted(COLOURS)) + r") (?:" + "|".join(SHAPES) + r"))\b")


def shape_phrase(caption):
    """"red circle" for a caption that is one coloured shape, else None (what
    `augment.shape_scenes` composes into scenes of several shapes).

    >>> shape_phrase("a red triangle pointed up"), shape_phrase("a large blue diamond")
    ('red triangle', 'large blue diamond')
    >>> shape_phrase("a red apple") is None
    True
    """
    match = _SHAPE.match(caption.lower().strip())
    return match.group(1) if match else None


def list_phrase(phrases):
    """["red circle", "blue square", "green star"] -> "a red circle, a blue square and a green star".

    >>> list_phrase(["red circle", "orange square"])
    'a red circle and an orange square'
    """
    named = [with_article(p) for p in phrases]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


# ---------------------------------------------------------------------------
# Emoji attributes: person x activity x skin tone.
# ---------------------------------------------------------------------------
_PERSON_ACTIVITY = re.compile(r"^(person|man|woman) (.+): (light|medium-light|medium|medium-dark|dark) skin tone$")


def emoji_attributes(name):
    """{"person", "activity", "tone"} of names like "woman mountain biking: dark skin tone", else None.

    >>> emoji_attributes("woman mountain biking: dark skin tone")
    {'person': 'woman', 'activity': 'mountain biking', 'tone': 'dark'}
    >>> emoji_attributes("grinning face") is None
    True
    """
    match = _PERSON_ACTIVITY.match((name or "").lower().strip())
    if not match:
        return None
    return {"person": match.group(1), "activity": match.group(2), "tone": match.group(3)}


def named_attributes(caption):
    """The person, activity words and skin tone a caption states (what `attribute_scores` compares)."""
    words = tokens(caption)
    person = next((w for w in words if w in PERSONS), None)
    tone = None
    for k, word in enumerate(words):
        if word == "skin" and k > 0:
            tone = "medium-" + words[k - 1] if k > 1 and words[k - 2] == "medium" and words[k - 1] != "medium" else words[k - 1]
            break
    return {"person": person, "words": set(map(stem, words)), "tone": tone}


def attribute_scores(captions, attributes):
    """Fraction of captions naming each attribute correctly: person word, the
    activity's last word, the skin tone (exactly: "medium-dark" is not "dark")."""
    hits = {"person": 0, "activity": 0, "tone": 0}
    for caption, truth in zip(captions, attributes):
        said = named_attributes(caption)
        hits["person"] += said["person"] == truth["person"]
        hits["activity"] += stem(tokens(truth["activity"])[-1]) in said["words"]
        hits["tone"] += said["tone"] == truth["tone"]
    return {key: round(value / max(1, len(captions)), 4) for key, value in hits.items()}


def held_out_combinations(activities):
    """One (person, activity, tone) triple per activity that training never sees.

    The activities are sorted and the k-th holds out person PERSONS[k % 3]
    with tone TONES[(k // 3) % 5], so every person, every tone and every
    activity is trained on, each pair of them too, but never these triples.
    """
    return {(PERSONS[k % 3], activity, TONES[(k // 3) % 5]) for k, activity in enumerate(sorted(set(activities)))}


def _bucket(key):
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def assign_split(record, combinations):
    """ "style" for the held-out emoji style, "combinations" for held-out attribute
    triples, else by a hash of the drawing's group (copies of one file share it):
    85 % train, 5 % validation, 10 % test."""
    if record.get("style") == HELD_OUT_STYLE:
        return "style"
    attributes = record.get("attributes")
    if attributes and (attributes["person"], attributes["activity"], attributes["tone"]) in combinations:
        return "combinations"
    bucket = _bucket(record.get("group", record["id"]))
    return "train" if bucket < 85 else "validation" if bucket < 90 else "test"


# ---------------------------------------------------------------------------
# The caption table.
# ---------------------------------------------------------------------------
def read_table(folder=None):
    """The records of `drawings.jsonl` (written by prepare_drawings.py)."""
    folder = Path(folder or default_folder())
    table = folder / "drawings.jsonl"
    if not table.is_file():
        raise FileNotFoundError(
            f"Drawings caption table not found: {table} (build it with "
            "`python -m rnnzoo.applications.image_captioning.prepare_drawings`)"
        )
    records = []
    for number, line in enumerate(table.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{table}, line {number}: not a JSON record ({error})") from None
    if not records:
        raise ValueError(f"Drawings caption table is empty: {table}")
    return records


def packed_images(folder, image_size, records):
    """All drawings of the table at `image_size`, as one uint8 RGBA array (n, size, size, 4).

    Decoding and resizing 20,000 PNGs takes minutes, so the result is kept
    beside the table (`packed-<size>.npy` and the ids it holds) and read back
    memory-mapped; it is rebuilt whenever the table's drawings change.
    """
    import numpy as np

    from rnnzoo.applications.image_captioning import augment

    ids = [r["id"] for r in records]
    array, index = folder / f"packed-{image_size}.npy", folder / f"packed-{image_size}.ids.json"
    if array.is_file() and index.is_file() and json.loads(index.read_text(encoding="utf-8")) == ids:
        return np.load(array, mmap_mode="r")
    images = np.stack([augment.read_rgba(folder / r["image"], image_size) for r in records])
    for path, write in ((array, lambda f: np.save(f, images)), (index, lambda f: f.write(json.dumps(ids).encode()))):
        partial = path.with_name(f".{path.name}.partial")
        with open(partial, "wb") as f:
            write(f)
        partial.replace(path)
    return images


def load_split(split, image_size, folder=None, limit=None, records=None):
    """(images uint8 RGBA (n, size, size, 4), references, records) of one split."""
    import numpy as np

    if split not in SPLITS:
        raise ValueError(f"Unknown drawings split {split!r}; choose one of {list(SPLITS)}")
    folder = Path(folder or default_folder())
    records = records or read_table(folder)
    positions = [k for k, r in enumerate(records) if r["split"] == split][:limit]
    if not positions:
        raise ValueError(f"The {split!r} split of {folder / 'drawings.jsonl'} holds no drawings")
    images = np.asarray(packed_images(folder, image_size, records)[positions])
    chosen = [records[k] for k in positions]
    return images, [r["captions"] for r in chosen], chosen
