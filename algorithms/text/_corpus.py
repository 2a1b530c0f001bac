"""A small built-in corpus for the text demos (sentences written for this project)."""

DOCUMENTS = [
    "gradient descent updates the weights in the direction of the negative gradient",
    "stochastic gradient descent uses a mini batch of examples for each update",
    "the learning rate controls the size of each gradient descent step",
    "a decision tree splits the data on the feature that reduces impurity the most",
    "random forests average many decision trees trained on bootstrap samples",
    "gradient boosting fits each new tree to the residuals of the current model",
    "k means assigns every point to the nearest centroid and moves each centroid to the mean",
    "hierarchical clustering merges the two closest clusters at every step",
    "principal component analysis projects the data onto directions of maximal variance",
    "the kernel trick computes inner products in a feature space without building it",
    "support vector machines maximise the margin between the two classes",
    "naive bayes assumes the features are independent given the class",
    "logistic regression models the log odds of the class as a linear function",
    "regularisation adds a penalty on the weights to reduce overfitting",
    "cross validation estimates the test error by holding out each fold in turn",
    "attention lets every token look at every other token in the sequence",
    "a transformer stacks attention layers and feed forward layers with residual connections",
    "word embeddings map each word to a dense vector learned from context",
    "bm25 ranks documents by term frequency saturation and inverse document frequency",
    "tf idf weights a term by its frequency in the document and its rarity in the corpus",
]
