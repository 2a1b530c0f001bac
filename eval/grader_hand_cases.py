"""Hand-written cases of the grader's adversarial validation set (see :mod:`mlnotes.eval.grader_validation`).

Each entry is ``"<question id>#<key point index>": {"para": [...], "no": [(case type, answer), ...]}``. The
paraphrases restate the key point in other words (a reader who knows the subject would credit them); the
no-credit answers deny it, claim the opposite, swap its key terms, drop its terms in without the claim, or say
something vaguely related. The first three entries are the failures reported in issue #20.
"""

HAND: dict[str, dict] = {
    "data-datetime-features#4": {
        "para": ["Feeding the raw epoch number to a model is a bad idea: it cannot extrapolate past the training "
                 "range and it can leak when each row was recorded.",
                 "A timestamp used directly as a numeric feature extrapolates badly to future dates and may leak "
                 "time information."],
        "no": [("opposite", "Convert the timestamp to a Unix integer and feed that single number to the model."),
               ("negation", "Raw timestamps as numbers are fine, they do not make models extrapolate poorly."),
               ("vague", "Dates are tricky and you have to think about them carefully in a model.")],
    },
    "lin-r-squared#3": {
        "para": ["Adjusted R squared penalises adding predictors, so it does not grow just because you add "
                 "more features.",
                 "The adjusted version accounts for how many predictors the model uses."],
        "no": [("vague", "Adjusted R² is a corrected version of it."),
               ("stuffing", "Adjusted R squared is something people use, and predictors are part of regression."),
               ("opposite", "Adjusted R squared always increases when you add more predictors.")],
    },
    "llm-speculative-decoding#5": {
        "para": ["How much faster it gets depends on how often the drafted tokens are accepted and on how "
                 "expensive the draft model is to run.",
                 "The gain is governed by the acceptance rate together with the cost of the small draft model."],
        "no": [("vague", "The target model checks them all in one forward pass, so it is faster."),
               ("negation", "The speed-up does not depend on the acceptance rate or on the draft model's cost."),
               ("opposite", "It is always several times faster, whatever the acceptance rate.")],
    },
    "eval-precision-recall#3": {
        "para": ["If missing a positive case is expensive, you should care most about recall.",
                 "When false negatives carry a high cost, optimise for recall."],
        "no": [("term_swap", "Precision matters when false negatives are costly."),
               ("term_swap", "Recall matters when false positives are costly."),
               ("stuffing", "Recall, false negatives and cost are all words I associate with this topic.")],
    },
    "eval-precision-recall#4": {
        "para": ["When a false alarm is expensive you want high precision.",
                 "If false positives are costly, precision is the metric to watch."],
        "no": [("term_swap", "Recall matters when false positives are costly."),
               ("term_swap", "Precision matters when false negatives are costly.")],
    },
    "eval-precision-recall#2": {
        "para": ["A higher threshold typically raises precision while lowering recall."],
        "no": [("opposite", "Raising the decision threshold usually decreases precision and increases recall."),
               ("term_swap", "Raising the decision threshold usually increases recall and decreases precision.")],
    },
    "lin-l1-vs-l2#1": {
        "para": ["The lasso penalty is the sum of the absolute values of the weights, and it drives some "
                 "coefficients to exactly zero.",
                 "L1 regularization penalizes absolute weights and zeroes out some coefficients entirely."],
        "no": [("term_swap", "L2 adds the sum of absolute weights and sets some coefficients exactly to zero."),
               ("negation", "L1 adds the sum of absolute weights but never sets coefficients exactly to zero."),
               ("stuffing", "L1, absolute weights and coefficients are involved, and zero is a number too.")],
    },
    "lin-l1-vs-l2#0": {
        "para": ["Ridge penalizes the squared norm of the weights, which shrinks coefficients but leaves them "
                 "non-zero."],
        "no": [("term_swap", "L1 adds the squared Euclidean norm of the weights and shrinks coefficients without "
                             "setting them to zero."),
               ("opposite", "L2 adds the squared Euclidean norm of the weights and sets many coefficients exactly "
                            "to zero.")],
    },
    "fund-bias-variance#3": {
        "para": ["A more flexible model usually has less bias but more variance."],
        "no": [("term_swap", "More flexible models tend to have lower variance and higher bias."),
               ("opposite", "More flexible models tend to have higher bias and lower variance."),
               ("vague", "Model flexibility is a big deal and you always need to think about it.")],
    },
    "fund-bias-variance#5": {
        "para": ["You can cut variance by regularizing, collecting more data or averaging many models as in "
                 "bagging."],
        "no": [("opposite", "Regularization, more data and bagging increase variance."),
               ("term_swap", "Regularization, more data and ensembling (bagging) reduce bias.")],
    },
    "tree-overfitting#4": {
        "para": ["Averaging many trees in an ensemble lowers the variance of a single tree."],
        "no": [("opposite", "Ensembles of trees increase the variance of single trees."),
               ("term_swap", "Ensembles of trees reduce the bias of single trees.")],
    },
    "rl-td-vs-mc#2": {
        "para": ["Monte Carlo returns give unbiased value estimates, at the price of large variance."],
        "no": [("term_swap", "Monte Carlo estimates are biased but have low variance."),
               ("negation", "Monte Carlo estimates are not unbiased.")],
    },
    "stat-p-value#4": {
        "para": ["With a very large sample even a tiny effect gets a small p-value, so a small p-value says "
                 "nothing about how big the effect is."],
        "no": [("opposite", "A small p-value means the effect is large."),
               ("negation", "A small p-value does mean a large effect, even with huge samples.")],
    },
    "stat-multiple-testing#0": {
        "para": ["Running many tests makes it increasingly likely that at least one of them is a false positive."],
        "no": [("opposite", "The probability of at least one false positive shrinks as you run more tests."),
               ("term_swap", "The probability of at least one false negative grows quickly with the number of "
                             "tests.")],
    },
    "dl-dropout#3": {
        "para": ["Dropout is switched off at test time, and with inverted dropout nothing has to be rescaled."],
        "no": [("opposite", "At inference dropout stays enabled and the activations must be rescaled."),
               ("negation", "At inference dropout is not disabled.")],
    },
    "dl-residual-connections#2": {
        "para": ["The skip connection lets the gradient flow straight back to early layers."],
        "no": [("negation", "The identity path does not give gradients a direct route to earlier layers."),
               ("stuffing", "Identity, path, gradients and layers: these all appear in residual networks.")],
    },
    "dimred-lda-vs-pca#0": {
        "para": ["PCA is unsupervised: it does not look at the labels and keeps the directions of largest total "
                 "variance."],
        "no": [("term_swap", "LDA ignores labels and maximizes total variance."),
               ("opposite", "PCA uses labels and maximizes between-class variance.")],
    },
    "dimred-pca-limitations#0": {
        "para": ["PCA can only capture linear structure, projecting onto linear subspaces."],
        "no": [("opposite", "PCA finds non-linear manifolds as well as linear subspaces."),
               ("vague", "PCA is a classic method that everyone learns early on.")],
    },
    "svm-rbf-gamma#2": {
        "para": ["A low gamma makes the decision boundary smooth, and it can underfit."],
        "no": [("opposite", "Small gamma gives wiggly boundaries and risks overfitting."),
               ("term_swap", "Large gamma gives smooth boundaries and risks underfitting.")],
    },
    "clus-knn#2": {
        "para": ["With a small number of neighbours k-NN has little bias but a lot of variance; a large k "
                 "reverses that."],
        "no": [("term_swap", "Small k means high bias and low variance, large k the opposite.")],
    },
    "opt-early-stopping#3": {
        "para": ["On a quadratic loss, stopping early acts roughly like an L2 penalty."],
        "no": [("term_swap", "For quadratic losses early stopping is approximately equivalent to L1 "
                             "regularization."),
               ("negation", "Early stopping is not related to L2 regularization in any way.")],
    },
    "stat-mle-vs-map#2": {
        "para": ["Putting a zero-mean Gaussian prior on the weights turns MAP estimation into ridge-penalized "
                 "maximum likelihood."],
        "no": [("term_swap", "A zero-mean Gaussian prior on weights makes MAP equivalent to L1-regularized MLE."),
               ("term_swap", "A zero-mean Laplace prior on weights makes MAP equivalent to L2-regularized MLE.")],
    },
    "tree-gradient-boosting#1": {
        "para": ["Every added tree is fitted to the negative gradient of the loss evaluated at the current "
                 "model's predictions."],
        "no": [("term_swap", "In bagging each new tree fits the negative gradient of the loss at the current "
                             "predictions."),
               ("opposite", "Each new tree fits the original labels independently of the current predictions.")],
    },
    "tree-bagging-variance#2": {
        "para": ["For B trees with pairwise correlation rho and variance sigma squared, the average has variance "
                 "rho sigma squared plus one minus rho times sigma squared over B."],
        "no": [("stuffing", "Rho, sigma squared and B are the symbols, and the variance of the average is "
                            "something to know.")],
    },
    "nlp-bert-vs-gpt#0": {
        "para": ["BERT only has an encoder, and its attention looks both left and right."],
        "no": [("term_swap", "BERT is a decoder-only model with causal attention."),
               ("term_swap", "GPT is an encoder-only model with bidirectional attention.")],
    },
    "nlp-word2vec#0": {
        "para": ["In skip-gram, the centre word is used to predict the words around it."],
        "no": [("term_swap", "Skip-gram predicts the centre word from the surrounding context words."),
               ("vague", "Word2vec learns word vectors and was very influential.")],
    },
    "rl-double-q#0": {
        "para": ["Taking the max over noisy Q estimates overestimates the true value."],
        "no": [("opposite", "The maximum of noisy value estimates is biased downward."),
               ("negation", "The maximum of noisy value estimates is not biased.")],
    },
    "eval-roc-auc#2": {
        "para": ["AUC only cares about how the scores rank the examples, not whether they are calibrated "
                 "probabilities."],
        "no": [("negation", "AUC depends on the calibration of the scores, not only on their ranking."),
               ("stuffing", "AUC, ranking, scores and calibration are all evaluation words.")],
    },
    "clus-kmeans-plus-plus#0": {
        "para": ["k-means++ picks its first centre uniformly at random among the data points."],
        "no": [("opposite", "The first centre is chosen as the point farthest from the data mean."),
               ("vague", "Initialization matters a lot for clustering algorithms.")],
    },
    "mlops-distillation#0": {
        "para": ["In distillation a small student network learns to mimic a bigger teacher network."],
        "no": [("term_swap", "A teacher model is trained to imitate a smaller student model."),
               ("stuffing", "Student, teacher and model are the three words of distillation.")],
    },
    "stat-common-distributions#1": {
        "para": ["A Poisson variable counts events in a fixed window at a constant rate, and its variance "
                 "equals its mean."],
        "no": [("opposite", "A Poisson distribution has variance much larger than its mean."),
               ("term_swap", "The binomial counts events in a fixed interval at a constant rate and has mean "
                             "equal to variance.")],
    },
    "ts-acf-pacf#2": {
        "para": ["For an AR(p) model the partial autocorrelation drops to zero after lag p."],
        "no": [("term_swap", "An AR(p) process has an ACF that cuts off after lag p."),
               ("term_swap", "An MA(q) process has a PACF that cuts off after lag q.")],
    },
    "svm-vs-logistic#2": {
        "para": ["Only the support vectors shape the SVM solution, whereas every point affects logistic "
                 "regression."],
        "no": [("term_swap", "Logistic regression solutions depend only on support vectors, SVM on all points."),
               ("negation", "SVM solutions do not depend only on support vectors.")],
    },
    "fund-train-val-test#0": {
        "para": ["The model's parameters are fitted on the training data."],
        "no": [("term_swap", "The test set is used to fit model parameters."),
               ("vague", "Splitting data is a standard step in every project.")],
    },
    "nlp-seq2seq#2": {
        "para": ["The decoder attends causally, only to the tokens it has already produced."],
        "no": [("term_swap", "The encoder uses causal self-attention over the tokens generated so far."),
               ("opposite", "The decoder uses bidirectional self-attention over the whole output, including "
                            "future tokens.")],
    },
    "opt-lr-schedules#1": {
        "para": ["A cosine schedule decays the learning rate smoothly from its peak down towards zero."],
        "no": [("opposite", "Cosine decay abruptly raises the rate from zero towards the peak."),
               ("stuffing", "Cosine, decay, rate and peak are words from learning-rate schedules.")],
    },
    "rl-policy-gradient#2": {
        "para": ["The REINFORCE gradient estimate has no bias but a lot of variance."],
        "no": [("term_swap", "The estimator is biased but has low variance."),
               ("negation", "The estimator is not unbiased.")],
    },
    "data-feature-scaling#4": {
        "para": ["Monotone rescaling of a feature leaves tree splits, and so trees and their ensembles, "
                 "unchanged."],
        "no": [("negation", "Decision trees and tree ensembles are not unaffected by monotone feature scaling; "
                            "they need it."),
               ("opposite", "Decision trees need feature scaling just like k-NN does.")],
    },
}
