"""The answer pipeline as pure steps; :class:`mlnotes.assistant.answer.Answerer` runs them in order for one question.

1. :mod:`~mlnotes.assistant.answering.retrieve` — search the retriever, embed the question, measure the *support* (the best
   dense cosine among the hits).
2. support/abstain — :func:`~mlnotes.assistant.answering.retrieve.should_abstain` against the calibrated threshold,
   and :class:`~mlnotes.assistant.answering.retrieve.CoverageRule` (the top hits' term coverage, or two or more
   words the corpus never uses or uses once outside the retrieved chunks, when the support is middling).
3. :mod:`~mlnotes.assistant.answering.bank` — match the question to the interview bank (an entry among the top retrieved
   sections that asks the same kind of question, by :mod:`mlnotes.assistant.intent`).
4. :mod:`~mlnotes.assistant.answering.candidates` — candidate sentences of the top chunks (paragraph sentences, list
   items, table rows; never code or display math), each with its exact line span.
5. :mod:`~mlnotes.assistant.answering.scoring` — score them (semantic similarity, term overlap, chunk rank) and choose
   the best few, with the weights in one frozen :class:`~mlnotes.assistant.answering.scoring.ScoreWeights`.
5b. :mod:`~mlnotes.assistant.answering.lead` — by the question's intent, the sentence(s) that answer it directly come
   first (complexity row, both sides of a comparison, definition, formula, recommendation, tested code block).
6. :mod:`~mlnotes.assistant.answering.compose` — build the :class:`~mlnotes.assistant.answering.types.Answer` (abstain,
   interview, extractive or generated), numbering sources in order of first citation.
7. :mod:`~mlnotes.assistant.answering.render` — Markdown for display.

No step keeps per-request state: the generator is an argument of each call, caches are keyed by content and
guarded by locks, so one answerer serves concurrent requests.
"""
