"""The mock-interview service: sessions, hints, grading with cited feedback, scheduling and progress.

Used by the REST routes (:mod:`mlnotes.assistant.interview.api`), the Gradio tab (:mod:`mlnotes.assistant.interview.ui`) and the
terminal (:mod:`mlnotes.assistant.interview.cli`); all three call the same methods with the user's token.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlnotes.assistant.corpus import section_url
from mlnotes.assistant.interview.contradiction import what_was_wrong
from mlnotes.assistant.interview.grader import GradeInputError, Grader, validate_answer
from mlnotes.assistant.interview.srs import DAY, CardState, due_order, rating, retrievability, review
from mlnotes.assistant.interview.store import ConflictError, InterviewStore, StoreError, answers_csv

MAX_QUESTIONS = 50


class InterviewInputError(StoreError):
    """A bad parameter (topic, difficulty, number of questions, export selection)."""


class InterviewUnavailable(StoreError):
    """The interview mode could not start (bank, grader or store); the server log says why."""


class SessionFinished(StoreError):
    """The session has no current question."""


def is_user_error(exc: BaseException) -> bool:
    """True for the interview's own errors, whose message tells the user what to fix (not a bug)."""
    from mlnotes.assistant.interview.anki import ExportError

    return isinstance(exc, StoreError | GradeInputError | ExportError)


def hint_text(question: str, key_points: list[str], level: int, term_df: dict[str, int]) -> str:
    """Hint ``level`` (1-based): two per key point, in order. The odd one points at the key point's area with
    its most common own term (a nudge); the even one shows the key point with its claim words blanked out
    (the rarer half of its own terms, :func:`grader.required_terms`, the words a grader needs to see). Neither
    shows those claim words, so a hint never hands over the key point."""
    from mlnotes.assistant.interview.contradiction import NEGATION_STEMS, glue_stems, stems
    from mlnotes.assistant.interview.grader import required_terms, words

    i, cloze = divmod(level - 1, 2)
    kp = key_points[i]
    n = len(key_points)
    hidden = required_terms(kp, question, term_df)
    skip = set(stems(question)) | glue_stems() | NEGATION_STEMS | hidden
    if not cloze:
        shown = [w for w in words(kp) if stems(w) and stems(w)[0] not in skip and len(w) > 2]
        if shown:
            term = max(shown, key=lambda w: (term_df.get(stems(w)[0], 0), -shown.index(w)))
            return (f"Key point {i + 1} of {n}: what does a complete answer say about “{term}” here? Think about "
                    "how it changes or limits what the question asks about.")
        return f"Key point {i + 1} of {n}: think about what goes wrong, or what it costs, if this is ignored."
    if not hidden:
        hidden = {t for t in stems(kp) if t not in skip}

    def blank(m) -> str:
        w = m.group(0)
        st = stems(w)
        return "____" if st and st[0] in hidden else w

    from mlnotes.assistant.interview.grader import _WORD_RE

    return f"Key point {i + 1} of {n}, with its claim blanked out: “{_WORD_RE.sub(blank, kp)}”"


class InterviewService:
    def __init__(self, bank: list[Any], store: InterviewStore, grader: Grader, index: Any = None,
                 link: Callable[[str, str], str] | None = None, search_mode: str = "hybrid",
                 clock: Callable[[], float] | None = None) -> None:
        if not bank:
            raise ValueError("the interview bank is empty; check corpus/interview/*.md")
        self.bank = {q.id: q for q in bank}
        self.order = [q.id for q in bank]
        self.store = store
        self.grader = grader
        self.index = index
        self.link = link or section_url
        self.search_mode = search_mode
        self.clock = clock or store.clock
        self.public_url = "http://127.0.0.1:7860"  # where the app is served: links in exported decks point here
        self._cite_cache: dict[tuple[str, str], dict[str, Any]] = {}

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ catalogue
    def topics(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for q in self.bank.values():
            for t in q.topics:
                counts[t] += 1
        return dict(sorted(counts.items()))

    def _pool(self, topics: list[str] | None, difficulty: str | None) -> list[str]:
        known = self.topics()
        topics = [t.strip() for t in (topics or []) if t and t.strip()]
        unknown = [t for t in topics if t not in known]
        if unknown:
            raise InterviewInputError(f"unknown topic(s) {unknown}; available: {sorted(known)}")
        if difficulty in ("", "any"):
            difficulty = None
        if difficulty is not None and difficulty not in ("easy", "medium", "hard"):
            raise InterviewInputError(f"difficulty must be easy, medium, hard or any, got {difficulty!r}")
        pool = [qid for qid in self.order
                if (not topics or set(self.bank[qid].topics) & set(topics))
                and (difficulty is None or self.bank[qid].difficulty == difficulty)]
        if not pool:
            raise InterviewInputError(f"no questions match topics={topics or 'any'} difficulty={difficulty or 'any'}")
        return pool

    # ------------------------------------------------------------------ users and sessions
    def create_user(self) -> dict[str, Any]:
        uid, token = self.store.create_user()
        return {"token": token, "user": uid}

    def start(self, token: str, topics: list[str] | None = None, difficulty: str | None = None, n: int = 5,
              weakest: bool = False, seed: int | None = None) -> dict[str, Any]:
        uid = self.store.user_for_token(token)
        if not isinstance(n, int) or not 1 <= n <= MAX_QUESTIONS:
            raise InterviewInputError(f"n must be between 1 and {MAX_QUESTIONS}, got {n!r}")
        pool = self._pool(topics, difficulty)
        rng = random.Random(seed)
        rng.shuffle(pool)
        cards = self.store.cards(uid)
        now = self.clock()
        if weakest:
            chosen = self._weakest(pool, cards, now)[:n]
        else:
            chosen = due_order(cards, pool, now)[:n]
        params = {"topics": topics or [], "difficulty": difficulty or "any", "n": len(chosen), "weakest": weakest}
        s = self.store.create_session(uid, chosen, params)
        return self._view(s)

    def _topic_means(self, cards: dict[str, CardState]) -> dict[str, float]:
        sums: dict[str, list[float]] = defaultdict(list)
        for qid, c in cards.items():
            if qid in self.bank and c.last_score is not None:
                for t in self.bank[qid].topics:
                    sums[t].append(c.last_score)
        return {t: sum(v) / len(v) for t, v in sums.items()}

    def _weakest(self, pool: list[str], cards: dict[str, CardState], now: float) -> list[str]:
        """Questions the user did worst on first (due ones before the rest), then unseen questions of the
        topics with the lowest mean score; topics never practised count as a neutral 5/10."""
        means = self._topic_means(cards)

        def key(item):
            i, qid = item
            c = cards.get(qid)
            if c is not None and c.n_seen and c.last_score is not None:
                return (0 if c.due_at <= now else 1, c.last_score, c.due_at, i)
            t = min((means.get(t, 5.0) for t in self.bank[qid].topics), default=5.0)
            return (1, t, float("inf"), i)

        return [qid for _, qid in sorted(enumerate(pool), key=key)]

    def _session(self, token: str, session_id: str):
        uid = self.store.user_for_token(token)
        return uid, self.store.get_session(uid, session_id)

    def _view(self, s) -> dict[str, Any]:
        out: dict[str, Any] = {"session_id": s.id, "n": len(s.question_ids), "answered": s.position,
                               "finished": s.finished, "params": s.params, "question": None}
        if not s.finished:
            q = self.bank.get(s.question_ids[s.position])
            out["question"] = {
                "position": s.position + 1, "id": s.question_ids[s.position],
                "text": q.question if q else "(this question was removed from the bank; skip it)",
                "difficulty": q.difficulty if q else "", "topics": list(q.topics) if q else [],
                "key_points": len(q.key_points) if q else 0, "hints_used": s.hints_current,
            }
        return out

    def current(self, token: str, session_id: str) -> dict[str, Any]:
        _, s = self._session(token, session_id)
        return self._view(s)

    def hint(self, token: str, session_id: str) -> dict[str, Any]:
        uid, s = self._session(token, session_id)
        if s.finished:
            raise SessionFinished("the session is finished; start a new one")
        q = self.bank.get(s.question_ids[s.position])
        if q is None:
            raise ConflictError("this question is no longer in the bank; skip it")
        level = s.hints_current + 1
        max_level = 2 * len(q.key_points)
        if level > max_level:
            return {"level": s.hints_current, "hint": "No more hints: every key point has been outlined for you.",
                    "remaining": 0}
        level = self.store.add_hint(uid, s.id, s.position)
        text = hint_text(q.question, q.key_points, level, self.grader.params.term_df)
        return {"level": level, "hint": text, "remaining": max_level - level}

    # ------------------------------------------------------------------ grading
    def cite(self, q: Any, key_point: str) -> dict[str, Any]:
        """The corpus section that teaches ``key_point`` (searched with the key point and the question),
        preferring chapters and guides over the interview bank; the question's own section as a fallback."""
        ck = (q.id, key_point)
        if ck in self._cite_cache:
            return self._cite_cache[ck]
        cite = None
        if self.index is not None:
            query = f"{key_point} {q.question}"[:1900]
            try:
                hits = self.index.search(query, k=5, mode=self.search_mode)
            except Exception:  # noqa: BLE001 - a search failure must not lose the graded answer
                hits = []
            best = next((h for h in hits if not h.chunk.path.startswith("interview/")), hits[0] if hits else None)
            if best is not None:
                c = best.chunk
                cite = {"title": c.title, "breadcrumbs": list(c.breadcrumbs), "path": c.path,
                        "line_start": c.line_start, "line_end": c.line_end, "section_id": c.section_id,
                        "url": self.link(c.path, c.section_id), "snippet": best.snippet(key_point)}
        if cite is None:
            cite = {"title": q.question, "breadcrumbs": [q.question], "path": q.path, "line_start": q.line,
                    "line_end": q.line, "section_id": q.section_id, "url": self.link(q.path, q.section_id),
                    "snippet": q.short_answer[:240]}
        self._cite_cache[ck] = cite
        return cite

    def _feedback(self, q: Any, s, result, skipped: bool, card: CardState) -> dict[str, Any]:
        covered, missed = [], []
        for k in (result.key_points if result else []):
            if k.covered:
                covered.append({"key_point": k.key_point, "evidence": k.evidence, "probability": k.probability})
            else:
                wrong = k.contradiction if k.contradicted else (k.evidence if k.reason else None)
                if k.contradicted:
                    what = what_was_wrong(k.reason)
                elif k.conflict:
                    wrong = k.conflict
                    what = what_was_wrong(k.conflict_reason)
                elif k.reason:
                    what = f"This sentence is on the subject but was not credited: it {k.reason}."
                else:
                    what = "No sentence of the answer states this point."
                missed.append({"key_point": k.key_point, "probability": k.probability, "closest": k.evidence,
                               "contradicted": k.contradicted, "your_sentence": wrong, "what_was_wrong": what,
                               "citation": self.cite(q, k.key_point)})
        if result is None:
            missed = [{"key_point": kp, "probability": 0.0, "closest": None, "contradicted": False,
                       "your_sentence": None, "what_was_wrong": "Skipped.", "citation": self.cite(q, kp)}
                      for kp in q.key_points]
        return {
            "question_id": q.id, "question": q.question, "position": s.position + 1, "n": len(s.question_ids),
            "score": 0.0 if result is None else result.score, "skipped": skipped,
            "flags": [] if result is None else result.flags,
            "ignored": [] if result is None else result.ignored,
            "covered": covered, "missed": missed,
            "key_points": [{"key_point": k.key_point, "covered": k.covered, "probability": k.probability,
                            "evidence": k.evidence} for k in (result.key_points if result else [])],
            "model_answer": {"short_answer": q.short_answer, "key_points": list(q.key_points)},
            "common_mistakes": list(q.mistakes),
            "follow_up": q.follow_ups[0] if q.follow_ups else None,
            "source": {"path": q.path, "line": q.line, "url": self.link(q.path, q.section_id)},
            "next_review_in_days": card.interval_days,
            "hints_used": s.hints_current,
        }

    def _submit(self, token: str, session_id: str, answer: str | None) -> dict[str, Any]:
        uid, s = self._session(token, session_id)
        if s.finished:
            raise SessionFinished("the session is finished; see its summary or start a new one")
        if answer is not None:
            validate_answer(answer)
        qid = s.question_ids[s.position]
        q = self.bank.get(qid)
        skipped = answer is None
        if q is None:
            if not skipped:
                raise ConflictError(f"question {qid!r} is no longer in the bank; skip it")
            self.store.record_answer(uid, s.id, s.position, qid, "", 0.0, True, {"question_id": qid}, CardState())
            return {"question_id": qid, "skipped": True, "score": 0.0}
        result = None if skipped else self.grader.grade(q, answer)
        score = 0.0 if result is None else result.score
        old = self.store.card(uid, qid) or CardState()
        card = review(old, rating(score, skipped), self.clock(), score)
        fb = self._feedback(q, s, result, skipped, card)
        self.store.record_answer(uid, s.id, s.position, qid, "" if skipped else answer.strip(), score, skipped,
                                 fb, card)
        s2 = self.store.get_session(uid, s.id)
        fb["session"] = {"answered": s2.position, "n": len(s2.question_ids), "finished": s2.finished}
        return fb

    def answer(self, token: str, session_id: str, text: str) -> dict[str, Any]:
        return self._submit(token, session_id, text)

    def skip(self, token: str, session_id: str) -> dict[str, Any]:
        return self._submit(token, session_id, None)

    # ------------------------------------------------------------------ summaries and progress
    def summary(self, token: str, session_id: str) -> dict[str, Any]:
        uid, s = self._session(token, session_id)
        rows = self.store.answers(uid, s.id)
        items = []
        for r in rows:
            fb = r["feedback"]
            kps = fb.get("key_points", [])
            q = self.bank.get(r["question_id"])
            items.append({"position": r["position"] + 1, "question_id": r["question_id"],
                          "question": q.question if q else r["question_id"], "score": r["score"],
                          "skipped": r["skipped"], "hints": r.get("hints", 0),
                          "covered": sum(bool(k.get("covered")) for k in kps),
                          "key_points": len(q.key_points) if q else len(kps),
                          "missed": [m["key_point"] for m in fb.get("missed", [])]})
        scores = [i["score"] for i in items]
        return {"session_id": s.id, "params": s.params, "n": len(s.question_ids), "answered": len(items),
                "finished": s.finished, "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
                "answers": items}

    def progress(self, token: str) -> dict[str, Any]:
        uid = self.store.user_for_token(token)
        rows = self.store.answers(uid)
        cards = self.store.cards(uid)
        now = self.clock()
        per_topic: dict[str, dict[str, Any]] = {}
        series: dict[tuple[str, str], list[float]] = defaultdict(list)
        for r in rows:
            q = self.bank.get(r["question_id"])
            if q is None:
                continue
            day = time.strftime("%Y-%m-%d", time.gmtime(r["created_at"]))
            for t in q.topics:
                d = per_topic.setdefault(t, {"topic": t, "answers": 0, "skipped": 0, "scores": []})
                d["answers"] += 1
                d["skipped"] += int(r["skipped"])
                d["scores"].append(r["score"])
                series[(t, day)].append(r["score"])
        topics = []
        for t, d in sorted(per_topic.items()):
            sc = d.pop("scores")
            qids = [qid for qid in cards if qid in self.bank and t in self.bank[qid].topics]
            d.update(mean_score=round(sum(sc) / len(sc), 2), last_score=sc[-1],
                     questions_seen=len(qids), due_now=sum(cards[q].due_at <= now for q in qids))
            topics.append(d)
        topics.sort(key=lambda d: d["mean_score"])
        over_time = [{"topic": t, "date": day, "mean_score": round(sum(v) / len(v), 2), "answers": len(v)}
                     for (t, day), v in sorted(series.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
        due = sorted((c.due_at, qid) for qid, c in cards.items() if qid in self.bank)
        return {"answers": len(rows), "topics": topics, "over_time": over_time,
                "weakest_topics": [d["topic"] for d in topics[:3]],
                "due": [{"question_id": qid, "due_in_days": round((at - now) / DAY, 2)} for at, qid in due[:20]]}

    def due_queue(self, token: str, topic: str | None = None) -> dict[str, Any]:
        """The FSRS due queue per topic: for each topic, the questions already practised that are due now
        (most overdue first) and the next ones coming due, with FSRS's predicted recall probability."""
        uid = self.store.user_for_token(token)
        if topic is not None and topic not in self.topics():
            raise InterviewInputError(f"unknown topic {topic!r}; available: {sorted(self.topics())}")
        cards = self.store.cards(uid)
        now = self.clock()
        out: dict[str, dict[str, Any]] = {}
        for qid, c in sorted(cards.items(), key=lambda kv: kv[1].due_at):
            q = self.bank.get(qid)
            if q is None or c.n_seen == 0:
                continue
            r = retrievability(c, now)
            item = {"question_id": qid, "question": q.question, "due_in_days": round((c.due_at - now) / DAY, 2),
                    "recall_probability": None if r is None else round(r, 3),
                    "stability_days": None if c.stability is None else round(c.stability, 2),
                    "difficulty": None if c.difficulty is None else round(c.difficulty, 2),
                    "last_score": c.last_score}
            for t in q.topics:
                if topic is not None and t != topic:
                    continue
                d = out.setdefault(t, {"topic": t, "due_now": [], "upcoming": []})
                (d["due_now"] if c.due_at <= now else d["upcoming"]).append(item)
        topics = sorted(out.values(), key=lambda d: (-len(d["due_now"]), d["topic"]))
        for d in topics:
            d["upcoming"] = d["upcoming"][:10]
        return {"scheduler": "FSRS", "desired_retention": 0.9, "topics": topics,
                "due_now": sum(len(d["due_now"]) for d in topics)}

    def export_selection(self, topic: str | None = None, token: str | None = None, weak: bool = False,
                         weak_below: float = 6.0) -> list[Any]:
        """Questions to export: the whole bank, one topic, or (with ``weak``) the user's weak questions: those
        whose last score was below ``weak_below`` or that were skipped, lowest score first."""
        if topic is not None and topic not in self.topics():
            raise InterviewInputError(f"unknown topic {topic!r}; available: {sorted(self.topics())}")
        qs = [self.bank[qid] for qid in self.order if topic is None or topic in self.bank[qid].topics]
        if weak:
            uid = self.store.user_for_token(token)
            cards = self.store.cards(uid)
            scored = [(cards[q.id].last_score or 0.0, i, q) for i, q in enumerate(qs)
                      if q.id in cards and cards[q.id].n_seen and (cards[q.id].last_score or 0.0) < weak_below]
            qs = [q for *_, q in sorted(scored, key=lambda t: (t[0], t[1]))]
            if not qs:
                raise InterviewInputError("you have no weak questions yet (none answered below "
                                          f"{weak_below:g}/10); export the bank or a topic instead")
        return qs

    def export_anki(self, path: str | Path, topic: str | None = None, token: str | None = None,
                    weak: bool = False) -> dict[str, Any]:
        from mlnotes.assistant.interview.anki import write_deck

        qs = self.export_selection(topic, token, weak)
        name = "ML/AI Notes interview" + (f" · {topic}" if topic else "") + (" · weak questions" if weak else "")
        res = write_deck(qs, path, lambda q: self.public_url + self.link(q.path, q.section_id), deck_name=name)
        return res

    def progress_csv(self, token: str) -> str:
        uid = self.store.user_for_token(token)
        return answers_csv(self.store.answers(uid),
                           lambda qid: list(self.bank[qid].topics) if qid in self.bank else [])

    def sessions(self, token: str) -> list[dict[str, Any]]:
        uid = self.store.user_for_token(token)
        return [{"session_id": s.id, "created_at": s.created_at, "n": len(s.question_ids), "answered": s.position,
                 "finished": s.finished, "params": s.params} for s in self.store.list_sessions(uid)]


_build_lock = threading.Lock()


def service_for_app(app: Any) -> InterviewService:
    """The app's interview service (``app.state.interview``), built on first use from its settings and answerer."""
    svc = getattr(app.state, "interview", None)
    if svc is None:
        with _build_lock:
            svc = getattr(app.state, "interview", None)
            if svc is None:
                from mlnotes.assistant.services import build_interview

                answerer = app.state.answerer
                svc = build_interview(app.state.settings, answerer, list(getattr(answerer, "bank", None) or []))
                if svc is None:
                    raise InterviewUnavailable("the interview mode could not start; see the server log")
                app.state.interview = svc
    return svc
