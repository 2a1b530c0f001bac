"""Registry entries for modern deep-learning techniques (light imports only)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "modern"

SPECS = [
    AlgorithmSpec(
        name="infonce", title="InfoNCE contrastive loss", family=F,
        summary="Cross-entropy over scaled cosine similarities of paired views; hand-written gradients.",
        module="mlnotes.algorithms.modern.infonce", reference="torch cross_entropy on normalised similarities + autograd",
        params=(
            Param("temperature", float, 0.1, 0.01, 5.0, help="softmax temperature tau"),
            Param("batch", int, 64, 2, 1024, help="pairs per batch (negatives = batch - 1)"),
            Param("noise", float, 0.3, 0.0, 5.0, help="noise separating the two views"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("contrastive", "self-supervised", "loss"),
    ),
    AlgorithmSpec(
        name="distillation", title="Knowledge distillation loss", family=F,
        summary="Temperature-softened KL to the teacher plus hard-label cross-entropy; a linear student.",
        module="mlnotes.algorithms.modern.distillation", reference="torch kl_div + cross_entropy (autograd)",
        params=(
            Param("temperature", float, 4.0, 0.5, 20.0, help="softening temperature T"),
            Param("alpha", float, 0.7, 0.0, 1.0, help="weight of the soft (teacher) term"),
            Param("epochs", int, 150, 1, 1000, help="full-batch gradient steps for the student"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("compression", "loss"),
    ),
    AlgorithmSpec(
        name="magnitude-pruning", title="Magnitude pruning", family=F,
        summary="Remove the smallest-|w| weights, layer-wise or with one global threshold.",
        module="mlnotes.algorithms.modern.pruning", reference="torch.nn.utils.prune.l1_unstructured",
        params=(
            Param("max_sparsity", float, 0.95, 0.0, 1.0, help="largest fraction of weights removed in the sweep"),
            Param("seed", int, 0, 0, 10_000, help="random seed for the split"),
        ),
        tags=("compression", "sparsity"),
    ),
    AlgorithmSpec(
        name="int8-quantization", title="Int8 affine and symmetric quantization", family=F,
        summary="Scale and zero point from min/max, per tensor or per channel; rounding error at most scale/2.",
        module="mlnotes.algorithms.modern.quantization", reference="torch.quantize_per_tensor (qint8)",
        params=(
            Param("symmetric", bool, False, help="zero point fixed at 0 for the per-tensor quantizer"),
            Param("seed", int, 0, 0, 10_000, help="random seed for the split"),
        ),
        tags=("compression", "inference"),
    ),
    AlgorithmSpec(
        name="dpo", title="Direct Preference Optimization loss", family=F,
        summary="Bradley-Terry likelihood of preferences with the implicit reward beta*log(pi/pi_ref).",
        module="mlnotes.algorithms.modern.dpo", reference="torch logsigmoid loss + autograd",
        params=(
            Param("beta", float, 0.5, 0.01, 10.0, help="KL strength beta"),
            Param("n_pairs", int, 400, 10, 10_000, help="preference pairs sampled"),
            Param("steps", int, 300, 1, 5000, help="gradient steps"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("alignment", "llm", "loss"),
    ),
    AlgorithmSpec(
        name="ddpm", title="Denoising diffusion (DDPM) on 2-D data", family=F,
        summary="Closed-form forward noising, an MLP noise predictor, ancestral sampling.",
        module="mlnotes.algorithms.modern.ddpm", reference="closed-form Gaussian marginals/posteriors; the data's moments",
        params=(
            Param("T", int, 60, 5, 500, help="diffusion steps"),
            Param("train_steps", int, 400, 10, 5000, help="optimizer steps for the noise predictor"),
            Param("seed", int, 0, 0, 10_000, help="random seed"),
        ),
        tags=("generative", "diffusion"),
    ),
]
