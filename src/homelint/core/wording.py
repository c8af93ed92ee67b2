"""Words of messages: the article before a noun or a kind (a HelmRelease, an OCIRepository)."""

from __future__ import annotations

# letters whose spoken name starts with a vowel sound (an HTTPRoute, an L2Advertisement, an SMTP host)
_VOWEL_LETTER_NAMES = frozenset("AEFHILMNORSX")
# words that start with a vowel letter but a consonant sound (a user, a unique name, a one-off)
_CONSONANT_SOUNDS = ("uni", "use", "usu", "uti", "eu", "one", "once")


def article(word: str) -> str:
    """'a' or 'an' for `word` as it is read aloud: an initialism (two capitals, or a capital and a
    digit: OCIRepository, HTTPRoute, L2Advertisement) by the name of its first letter, any other
    word by its first letter, with the usual exceptions (a user, a unique ...)."""
    if not word:
        return "a"
    first = word[0]
    if first.isupper() and len(word) > 1 and (word[1].isupper() or word[1].isdigit()):
        return "an" if first in _VOWEL_LETTER_NAMES else "a"
    if first.lower() in "aeiou" and not word.lower().startswith(_CONSONANT_SOUNDS):
        return "an"
    return "a"


def with_article(word: str) -> str:
    """`word` with its article: 'a HelmRelease', 'an OCIRepository', 'an integer'."""
    return f"{article(word)} {word}"
