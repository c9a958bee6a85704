"""Score the two PyPI reply cutters on the corpus in `replies/` (see portal/mail_in/quotes.py
for the result). Not a test: run it by hand with both libraries importable, e.g.

    pip install --target /tmp/cutters email-reply-parser mail-parser-reply
    PYTHONPATH=/tmp/cutters:. python -m tests.mail_in.compare_quote_cutters
"""

from __future__ import annotations

from collections.abc import Callable

from tests.mail_in.corpus import is_right, reply_cases


def _cutters() -> dict[str, Callable[[str], str]]:
    from email_reply_parser import EmailReplyParser as Zapier
    from mailparser_reply import EmailReplyParser as Multilingual

    multilingual = Multilingual(languages=["en", "de", "fr", "nl"])

    def mail_parser_reply(text: str) -> str:
        replies = multilingual.read(text).replies
        return replies[0].body if replies else ""

    cutters = {"email-reply-parser": Zapier.parse_reply, "mail-parser-reply": mail_parser_reply}
    try:
        from portal.mail_in.quotes import new_text

        cutters["portal.mail_in.quotes"] = new_text
    except ImportError:
        pass
    return cutters


def main() -> None:
    cases = reply_cases()
    for name, cut in _cutters().items():
        wrong = [case.name for case in cases if not is_right(cut(case.body), case)]
        print(f"{name}: {len(cases) - len(wrong)}/{len(cases)} right; wrong: {', '.join(wrong)}")


if __name__ == "__main__":
    main()
