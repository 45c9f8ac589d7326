"""Words the synthetic generator builds titles and descriptions from."""

from __future__ import annotations

import functools
import random

from pipeline.text.fold import LOOKALIKES

ITEMS = {
    "bags": ("shoulder bag", "tote bag", "crossbody bag", "backpack", "clutch"),
    "shoes": ("sneakers", "loafers", "ankle boots", "running shoes", "slides"),
    "watches": ("automatic watch", "chronograph watch", "dress watch"),
    "apparel": ("t-shirt", "hoodie", "wool coat", "silk dress", "denim jacket"),
    "accessories": ("leather belt", "card wallet", "silk scarf", "sunglasses"),
    "jewelry": ("pendant necklace", "chain bracelet", "signet ring"),
}
COMPATIBLE_ITEMS = (
    ("Replacement strap compatible with {brand} {model}", "accessories"),
    ("Protective dust bag for {brand} handbags", "bags"),
    ("Shoe trees fit {brand} {model} sizes", "accessories"),
    ("Watch winder box suitable for {brand} watches", "watches"),
    ("Cleaning kit for {brand} leather goods", "accessories"),
    ("Organizer insert for {brand} {model}", "bags"),
)
COLOURS = ("black", "white", "beige", "brown", "red", "navy", "green", "pink", "gold", "silver")
ADJECTIVES = ("classic", "vintage", "new", "elegant", "casual", "premium", "minimalist", "handmade")
MATERIALS = ("leather", "canvas", "suede", "cotton", "stainless steel", "nylon", "wool")
RESALE_WORDS = ("pre-owned", "pre-loved", "gently used", "authentic, with receipt", "second hand", "vintage")
WINKS = ("replica", "1:1 mirror quality", "AAA", "super copy", "高仿", "A货", "réplique", "top copy",
         "inspired by", "dupe", "Nachbildung", "copia", "OEM", "原单", "imitazione")
DESCRIPTION_SENTENCES = (
    "Fast shipping from our warehouse, usually within 24 hours.",
    "Please check the size chart before ordering; measurements may vary by 1-2 cm.",
    "Brand new with tags, kept in a smoke-free home.",
    "Returns accepted within 30 days if the item is unused and in its original packaging.",
    "Colours may look slightly different on screen because of lighting and monitor settings.",
    "Great gift for friends and family; gift wrapping available on request.",
    "Contact us with any question, we answer within one business day.",
    "Made from carefully selected materials with attention to every stitch.",
    "Comes with dust bag and care card.",
    "Combined shipping available for multiple items, message us before paying.",
    "Adjustable strap, magnetic closure, one inner zip pocket and two slip pockets.",
    "Water-resistant finish, wipe clean with a soft damp cloth.",
    "Stock photos are of the actual product; what you see is what you get.",
    "International buyers are responsible for import duties and taxes.",
    "Limited stock, order now to avoid disappointment.",
    "Dimensions: 28 x 20 x 11 cm, weight about 650 g.",
    "We ship with tracking to most countries, delivery takes 7 to 20 days.",
    "Our store has served customers since 2015 with thousands of positive reviews.",
)


def obfuscate(alias: str, rng: random.Random) -> str:
    """One of the evasions real sellers use on a brand name."""
    style = rng.choice(("leet", "spaced", "masked", "cyrillic", "accent", "lookalike"))
    word = alias.title()
    if style == "lookalike":  # any of Unicode's look-alikes: Armenian, Cherokee, small capitals, Greek...
        positions = rng.sample(range(len(word)), k=min(len(word), rng.randint(1, 2)))
        letters = list(word)
        for i in positions:
            choices = _lookalikes_of().get(letters[i].lower())
            if choices:
                letters[i] = rng.choice(choices)
        return "".join(letters)
    if style == "leet":
        return word.replace("i", "1").replace("o", "0").replace("l", "1").replace("e", "3")
    if style == "spaced":
        return " ".join(word.upper())
    if style == "masked":
        return word[0] + "*" + word[2:]
    if style == "cyrillic":
        return word.replace("c", "с").replace("o", "о").replace("a", "а").replace("e", "е")
    return word.replace("c", "ċ", 1).replace("e", "è", 1).replace("a", "à", 1)


@functools.cache
def _lookalikes_of() -> dict[str, tuple[str, ...]]:
    """Letter -> the characters that render like it, from the table folding undoes."""
    by_letter: dict[str, list[str]] = {}
    for char, letter in sorted(LOOKALIKES.items()):
        if letter.isalpha():
            by_letter.setdefault(letter, []).append(char)
    return {letter: tuple(chars) for letter, chars in by_letter.items()}
