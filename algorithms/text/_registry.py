"""Registry entries for text algorithms (light imports only)."""

from algorithms.registry import AlgorithmSpec, Param

F = "text"

SPECS = [
    AlgorithmSpec(
        name="tfidf", title="TF-IDF vectors", family=F,
        summary="Term frequency times smoothed inverse document frequency, L2-normalised.",
        module="algorithms.text.tfidf", reference="sklearn.feature_extraction.text.TfidfVectorizer",
        params=(
            Param("query", str, "how does gradient boosting fit trees", help="search query"),
            Param("sublinear_tf", bool, False, help="use 1 + log(tf)"),
        ),
        tags=("nlp", "retrieval", "features"),
    ),
    AlgorithmSpec(
        name="bm25", title="Okapi BM25", family=F,
        summary="Probabilistic ranking with term-frequency saturation and length normalisation.",
        module="algorithms.text.bm25", reference="rank_bm25.BM25Okapi",
        params=(
            Param("query", str, "how does gradient boosting fit trees", help="search query"),
            Param("k1", float, 1.5, 0.0, 5.0, help="tf saturation"),
            Param("b", float, 0.75, 0.0, 1.0, help="length normalisation"),
        ),
        tags=("nlp", "retrieval", "ranking"),
    ),
]
