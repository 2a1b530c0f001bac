"""Question intent: re-exported from :mod:`mlnotes.kb.intent`, where the retrieval side (the learned reranker)
can use it too; see that module for the rules."""

from __future__ import annotations

from mlnotes.kb.intent import INTENT_TYPES, INTENTS, Intent, classify_intent, intent_accuracy

__all__ = ["INTENTS", "INTENT_TYPES", "Intent", "classify_intent", "intent_accuracy"]
