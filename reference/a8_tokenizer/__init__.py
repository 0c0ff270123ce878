"""Assignment 8: the GPT tokenizer by hand: byte-level BPE over UTF-8 bytes, the GPT-2/GPT-4 regex split,
special tokens, save and load (Karpathy, "Let's build the GPT tokenizer"; the layout of karpathy/minbpe).
"""
