"""Tiny random models and a byte-level tokenizer for the generation tests (no download, no real LLM)."""

from __future__ import annotations

import pytest
import torch

# The models here are tiny: intra-op threads only add synchronisation (and spin badly on a shared machine).
torch.set_num_threads(1)

SPECIALS = ["<|im_start|>", "<|im_end|>"]


def byte_tokenizer():
    """A byte-level BPE tokenizer without merges: 256 byte tokens plus the two ChatML markers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    tk = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|im_end|>")
    tok.add_special_tokens({"additional_special_tokens": SPECIALS})
    return tok


def tiny_llama(seed: int, vocab_size: int = 260, layers: int = 2):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048)
    return LlamaForCausalLM(cfg).eval()


@pytest.fixture(scope="session")
def tokenizer():
    return byte_tokenizer()


@pytest.fixture(scope="session")
def target():
    return tiny_llama(0)


@pytest.fixture(scope="session")
def other_model():
    """A different random model: as a drafter it is mostly wrong, so most drafts are rejected."""
    return tiny_llama(1)
