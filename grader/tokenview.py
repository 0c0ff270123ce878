"""A text split into its tokens, each on its own background colour in the terminal, as the lecture's tokenizer
playground shows it, with the count of tokens and the compression (UTF-8 bytes per token).

    python -m grader.tokenview "Hello world! 안녕하세요 👋 1234567" --vocab-size 512
    python -m grader.tokenview --file notes.txt --train-on data/names.txt --reference

The tokenizer is your RegexTokenizer (a8_tokenizer/regex_tokenizer.py in your folder, run in this process), or
the reference's with --reference; it is trained first on --train-on (default: the kit's names). A token that is
not whole UTF-8 (a piece of a character) shows as U+FFFD; whitespace shows as itself on its colour.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Background colours of the 256-colour palette, light enough for black text, in a fixed cycle.
PALETTE = (153, 187, 223, 194, 218, 229, 152, 189, 224, 193)


def render(tokens: list[bytes], colour: bool = True) -> str:
    """The tokens side by side, each on the next colour of PALETTE (with colour False: joined by '|')."""
    pieces = []
    for i, token in enumerate(tokens):
        text = token.decode("utf-8", errors="replace").replace("\n", "\\n\n")
        pieces.append(f"\x1b[48;5;{PALETTE[i % len(PALETTE)]}m\x1b[30m{text}\x1b[0m" if colour else text)
    return "".join(pieces) if colour else "|".join(pieces)


def main(argv=None) -> int:
    from grader.cli import load_impl
    from grader.data import load_words

    parser = argparse.ArgumentParser(prog="python -m grader.tokenview", description=__doc__.split("\n\n")[0])
    parser.add_argument("text", nargs="?", help="the text to show (or --file)")
    parser.add_argument("--file", help="read the text from this file")
    parser.add_argument("--train-on", help="train on this UTF-8 file (default: the kit's names)")
    parser.add_argument("--vocab-size", type=int, default=512)
    parser.add_argument("--pattern", choices=("gpt2", "gpt4"), default="gpt4")
    parser.add_argument("--reference", action="store_true", help="the reference's tokenizer (instructors)")
    parser.add_argument("--submission", help="the folder holding your a8_tokenizer/ (default: assignments/)")
    parser.add_argument("--no-colour", action="store_true", help="tokens separated by '|' instead of colours")
    args = parser.parse_args(argv)
    if args.text is None and args.file is None:
        parser.error("give a text or --file")
    text = Path(args.file).read_text(encoding="utf-8") if args.file else args.text
    training = Path(args.train_on).read_text(encoding="utf-8") if args.train_on else "\n".join(load_words()) + "\n"
    module = "a8_tokenizer.regex_tokenizer"
    tokenizer_class = load_impl(f"{module}:RegexTokenizer", args.reference, args.submission and Path(args.submission))
    pattern = load_impl(f"{module}:{args.pattern.upper()}_SPLIT_PATTERN", args.reference,
                        args.submission and Path(args.submission))
    tokenizer = tokenizer_class(pattern)
    try:
        tokenizer.train(training, args.vocab_size)
        ids = tokenizer.encode(text, allowed_special="all")
    except NotImplementedError as err:
        print(f"not yet: {err}", file=sys.stderr)
        return 1
    tokens = [tokenizer.vocab[i] for i in ids]
    print(render(tokens, colour=not args.no_colour and sys.stdout.isatty()))
    n_bytes = len(text.encode("utf-8"))
    print(f"\n{len(ids)} tokens for {n_bytes} UTF-8 bytes ({n_bytes / max(len(ids), 1):.2f} bytes a token; "
          f"{len(tokenizer.merges)} merges learned)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
