"""Registry entries for text algorithms (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "text"

SPECS = [
    AlgorithmSpec(
        name="tfidf", title="TF-IDF vectors", family=F,
        summary="Term frequency times smoothed inverse document frequency, L2-normalised.",
        module="mlnotes.algorithms.text.tfidf", reference="sklearn.feature_extraction.text.TfidfVectorizer",
        params=(
            Param("query", str, "how does gradient boosting fit trees", help="search query"),
            Param("sublinear_tf", bool, False, help="use 1 + log(tf)"),
        ),
        tags=("nlp", "retrieval", "features"),
    ),
    AlgorithmSpec(
        name="bm25", title="Okapi BM25", family=F,
        summary="Probabilistic ranking with term-frequency saturation and length normalisation.",
        module="mlnotes.algorithms.text.bm25", reference="rank_bm25.BM25Okapi",
        params=(
            Param("query", str, "how does gradient boosting fit trees", help="search query"),
            Param("k1", float, 1.5, 0.0, 5.0, help="tf saturation"),
            Param("b", float, 0.75, 0.0, 1.0, help="length normalisation"),
        ),
        tags=("nlp", "retrieval", "ranking"),
    ),
    AlgorithmSpec(
        name="bpe", title="Byte-pair encoding tokenizer", family=F,
        summary="Learn subword merges from pair frequencies; encode by applying merges in rank order.",
        module="mlnotes.algorithms.text.bpe", reference="tokenizers (Hugging Face) BPE + BpeTrainer",
        params=(
            Param("vocab_size", int, 150, 30, 400, help="target vocabulary size"),
            Param("text", str, "gradient boosting builds an ensemble of trees", help="text to tokenize"),
        ),
        tags=("nlp", "tokenization"),
    ),
    AlgorithmSpec(
        name="ngram-lm", title="n-gram language model (add-k, Kneser-Ney)", family=F,
        summary="Count-based next-word model; interpolated Kneser-Ney with continuation counts.",
        module="mlnotes.algorithms.text.ngram_lm", reference="add-one smoothing baseline; exact normalisation checks (tests)",
        params=(
            Param("order", int, 2, 1, 4, help="n"),
            Param("smoothing", str, "kneser_ney", choices=("kneser_ney", "add_k"), help="smoothing"),
            Param("discount", float, 0.75, 0.05, 0.95, help="Kneser-Ney discount"),
        ),
        tags=("nlp", "language-model"),
    ),
]
