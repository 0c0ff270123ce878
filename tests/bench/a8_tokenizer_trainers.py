"""a8's BPE trainers on the same ~1 MB text and vocabulary size: the reference's (pair counts updated only where
a merge changes a distinct chunk), the lecture's (every pair recounted after every merge), tiktoken's educational
trainer (its own recount loop) and Hugging Face tokenizers' compiled BPE trainer, the last two optional peers.
A script, not a test (CPU seconds; the machine's load is printed with them):

    python tests/bench/a8_tokenizer_trainers.py [--vocab-size 320] [--chars 1000000]

The text: the kit's own sources and documents, then the names, cut at --chars characters (built offline, the same
on every checkout of one commit). The reference's merges must equal the lecture trainer's (and tiktoken's, mapped
from bytes to ids); HF's trainer breaks ties its own way, so only its time is compared.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT))

import regex  # noqa: E402

from reference.a8_tokenizer.base import get_stats, merge  # noqa: E402
from reference.a8_tokenizer.regex_tokenizer import GPT4_SPLIT_PATTERN, RegexTokenizer  # noqa: E402


def bench_text(chars: int) -> str:
    parts = [p.read_text(encoding="utf-8") for p in sorted(KIT.rglob("*")) if p.suffix in (".py", ".md")
             and ".git" not in p.parts and "__pycache__" not in p.parts and p.is_file()]
    parts.append((KIT / "data" / "names.txt").read_text())
    text = "\n".join(parts)
    while len(text) < chars:
        text += "\n" + text
    return text[:chars]


def lecture_trainer(text: str, vocab_size: int) -> dict:
    chunks = [list(c.encode("utf-8")) for c in regex.findall(GPT4_SPLIT_PATTERN, text)]
    merges = {}
    for i in range(vocab_size - 256):
        stats = {}
        for ids in chunks:
            get_stats(ids, stats)
        if not stats:
            break
        pair = max(stats, key=stats.get)
        chunks = [merge(ids, pair, 256 + i) for ids in chunks]
        merges[pair] = 256 + i
    return merges


def timed(fn):
    start = time.process_time()
    value = fn()
    return value, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab-size", type=int, default=320)
    parser.add_argument("--chars", type=int, default=1_000_000)
    parser.add_argument("--skip-lecture", action="store_true", help="the slow recount trainer left out")
    args = parser.parse_args()
    text = bench_text(args.chars)
    print(f"text: {len(text)} characters, {len(text.encode('utf-8'))} bytes; vocab_size {args.vocab_size}; "
          f"load average {os.getloadavg()[0]:.1f}")
    tokenizer = RegexTokenizer()
    _, reference_s = timed(lambda: tokenizer.train(text, args.vocab_size))
    print(f"reference (incremental counts):  {reference_s:8.2f} s CPU")
    if not args.skip_lecture:
        lecture, lecture_s = timed(lambda: lecture_trainer(text, args.vocab_size))
        same = list(lecture.items()) == list(tokenizer.merges.items())
        print(f"lecture (recount every merge):   {lecture_s:8.2f} s CPU  ({lecture_s / reference_s:.1f}x the "
              f"reference; merges {'identical' if same else 'DIFFERENT'})")
    try:
        from tiktoken._educational import bpe_train
    except ImportError:
        print("tiktoken: not installed (optional)")
    else:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            ranks, tiktoken_s = timed(lambda: bpe_train(text, args.vocab_size, GPT4_SPLIT_PATTERN, visualise=None))
        ours = [tokenizer.vocab[idx] for idx in sorted(tokenizer.vocab)]
        theirs = [token for token, _ in sorted(ranks.items(), key=lambda kv: kv[1])][256:]
        print(f"tiktoken._educational.bpe_train: {tiktoken_s:8.2f} s CPU  ({tiktoken_s / reference_s:.1f}x the "
              f"reference; merged tokens {'identical' if ours[256:] == theirs else 'DIFFERENT'})")
    try:
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    except ImportError:
        print("tokenizers (Hugging Face): not installed (optional)")
    else:
        hf = Tokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        trainer = trainers.BpeTrainer(vocab_size=args.vocab_size, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        start = time.perf_counter()
        _, hf_cpu = timed(lambda: hf.train_from_iterator([text], trainer))
        wall = time.perf_counter() - start
        print(f"tokenizers BpeTrainer (Rust):    {hf_cpu:8.2f} s CPU, {wall:.2f} s wall  (the reference is "
              f"{reference_s / max(hf_cpu, 1e-9):.0f}x its CPU; its own GPT-2 byte-level split and tie rule)")


if __name__ == "__main__":
    main()
