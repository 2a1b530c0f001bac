"""Registry entries for the neural family (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "neural"
SEED = Param("seed", int, 0, 0, 10_000, help="random seed of the data and the initial weights")

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="autograd-engine", title="Reverse-mode autograd engine over NumPy tensors", family=F,
        summary="Tensor class with VJPs for each op; trains a two-moons MLP on the same trajectory as PyTorch.",
        module="mlnotes.algorithms.neural.autograd", reference="PyTorch autograd",
        params=(Param("n_hidden", int, 16, 2, 64, help="hidden units of the two-moons MLP"),
                Param("steps", int, 300, 1, 1000, help="full-batch gradient steps"),
                Param("lr", float, 0.5, 1e-4, 2.0, help="learning rate"), SEED),
        tags=("backprop",)),
    AlgorithmSpec(
        name="mlp-backprop", title="MLP classifier with backpropagation and Adam", family=F,
        summary="ReLU MLP with hand-written backward pass, on the digits.",
        module="mlnotes.algorithms.neural.mlp", reference="sklearn.neural_network.MLPClassifier",
        params=(Param("hidden", int, 64, 4, 256, help="hidden units"),
                Param("max_iter", int, 30, 1, 100, help="training epochs"),
                Param("alpha", float, 1e-4, 0.0, 10.0, help="L2 penalty on the weights"), SEED),
        tags=("backprop", "classification")),
    AlgorithmSpec(
        name="conv-im2col", title="2-D convolution and max pooling via im2col", family=F,
        summary="Convolution as one matrix product; col2im for the input gradient.",
        module="mlnotes.algorithms.neural.conv", reference="torch.nn.functional.conv2d / max_pool2d",
        params=(Param("n_filters", int, 4, 1, 16, help="output channels"),
                Param("kernel", int, 3, 1, 5, help="kernel height and width"),
                Param("stride", int, 1, 1, 2, help="convolution stride"),
                Param("pad", int, 1, 0, 2, help="zero padding on each side"), SEED),
        tags=("cnn", "backprop")),
    AlgorithmSpec(
        name="batch-norm", title="Batch normalisation (train and eval modes, backward)", family=F,
        summary="Mini-batch statistics, running averages and the compact backward formula.",
        module="mlnotes.algorithms.neural.batch_norm", reference="torch.nn.BatchNorm1d",
        params=(Param("batch", int, 32, 2, 512, help="rows per mini-batch"),
                Param("dim", int, 6, 1, 64, help="features normalised"),
                Param("steps", int, 20, 1, 200, help="training-mode batches (forward and backward) compared"), SEED),
        tags=("normalisation", "backprop")),
    AlgorithmSpec(
        name="layer-norm-rmsnorm", title="Layer normalisation and RMSNorm (forward and backward)", family=F,
        summary="Per-example normalisation over features, with and without centring.",
        module="mlnotes.algorithms.neural.layer_norm", reference="torch.nn.LayerNorm / torch.nn.RMSNorm",
        params=(Param("dim", int, 16, 2, 256, help="features normalised per row"),
                Param("batch", int, 8, 1, 256, help="rows"), SEED),
        tags=("normalisation", "backprop", "transformer")),
    AlgorithmSpec(
        name="dropout", title="Inverted dropout", family=F,
        summary="Bernoulli masks scaled by 1/(1-p): unbiased in training, identity at inference.",
        module="mlnotes.algorithms.neural.dropout", reference="torch.nn.functional.dropout; analytic moments",
        params=(Param("p", float, 0.3, 0.0, 0.95, help="drop probability"),
                Param("n", int, 200_000, 1000, 2_000_000, help="activations dropped (for the moments)"), SEED),
        tags=("regularisation",)),
    AlgorithmSpec(
        name="weight-init", title="Xavier/Glorot and He/Kaiming initialisation", family=F,
        summary="Activation scale through a deep stack under different initialisations.",
        module="mlnotes.algorithms.neural.init", reference="torch.nn.init.xavier_uniform_ / kaiming_normal_",
        params=(Param("depth", int, 30, 1, 40, help="layers the activations pass through"),
                Param("width", int, 256, 8, 512, help="units per layer (fan-in = fan-out)"), SEED),
        tags=("initialisation",)),
    AlgorithmSpec(
        name="optimizers", title="SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam, AdamW", family=F,
        summary="Seven optimisers on the Rosenbrock function, trajectory for trajectory against torch.optim.",
        module="mlnotes.algorithms.neural.optimizers", reference="torch.optim",
        params=(Param("steps", int, 200, 1, 1000, help="optimizer steps on Rosenbrock"), SEED),
        tags=("optimisation",)),
    AlgorithmSpec(
        name="lr-schedules", title="Learning-rate schedules: step, cosine, warm-up, one-cycle", family=F,
        summary="Closed-form schedules compared step by step with torch.optim.lr_scheduler.",
        module="mlnotes.algorithms.neural.lr_schedules", reference="torch.optim.lr_scheduler",
        params=(Param("total_steps", int, 100, 4, 5000, help="steps of the schedule"),
                Param("lr0", float, 0.1, 1e-6, 10.0, help="base (peak) learning rate"),
                Param("warmup", int, 10, 1, 1000, help="linear warm-up steps"),
                Param("step_size", int, 30, 1, 1000, help="steps between decays of the step schedule")),
        tags=("optimisation",)),
    AlgorithmSpec(
        name="loss-functions", title="Cross-entropy, focal, Huber, hinge and KL losses with gradients", family=F,
        summary="Values and hand-derived gradients of five losses against PyTorch.",
        module="mlnotes.algorithms.neural.losses", reference="torch.nn.functional + autograd",
        params=(Param("n", int, 64, 1, 10_000, help="examples"),
                Param("n_classes", int, 5, 2, 100, help="classes of the cross-entropy and focal losses"),
                Param("gamma", float, 2.0, 0.0, 5.0, help="focal loss focusing parameter"),
                Param("alpha", float, 0.25, 0.0, 1.0, help="focal loss weight of the positive class"),
                Param("delta", float, 1.0, 0.01, 10.0, help="Huber loss threshold between quadratic and linear"), SEED),
        tags=("loss",)),
    AlgorithmSpec(
        name="autoencoder", title="Autoencoder (linear or tanh) vs PCA", family=F,
        summary="Bottleneck network trained with Adam on the digits; the linear one converges to PCA's error.",
        module="mlnotes.algorithms.neural.autoencoder", reference="sklearn.decomposition.PCA",
        params=(Param("n_components", int, 2, 1, 32, help="code size"),
                Param("activation", str, "linear", choices=("linear", "tanh"), help="activation of the code layer"),
                Param("epochs", int, 100, 1, 200, help="training epochs (Adam)"), SEED),
        tags=("unsupervised", "representation")),
    AlgorithmSpec(
        name="vae", title="Variational autoencoder with the reparameterisation trick", family=F,
        summary="Bernoulli-decoder VAE on the digits; closed-form KL checked by Monte Carlo.",
        module="mlnotes.algorithms.neural.vae", reference="Monte Carlo KL; independent-pixel Bernoulli model",
        params=(Param("latent", int, 2, 1, 16, help="latent dimensions"),
                Param("epochs", int, 30, 1, 60, help="training epochs"),
                Param("lr", float, 1e-2, 1e-4, 0.05, help="learning rate"), SEED),
        tags=("generative",)),
    AlgorithmSpec(
        name="gan", title="Generative adversarial network on a 1-D mixture", family=F,
        summary="Non-saturating GAN; generated samples compared with the data by moments and KS.",
        module="mlnotes.algorithms.neural.gan", reference="the true mixture distribution",
        params=(Param("steps", int, 1500, 1, 2000, help="training steps (one discriminator and one generator update each)"),
                Param("batch", int, 128, 8, 256, help="samples per update"),
                Param("hidden", int, 16, 2, 32, help="hidden units per layer of both networks"), SEED),
        tags=("generative",)),
    AlgorithmSpec(
        name="activations", title="Activation functions and their derivatives", family=F,
        summary="ReLU, Leaky ReLU, ELU, SELU, Swish/SiLU and GELU (exact and tanh) with hand-written derivatives.",
        module="mlnotes.algorithms.neural.activations", reference="torch.nn.functional activations + autograd",
        params=(Param("lo", float, -4.0, -50.0, 0.0, help="left end of the plotted grid"),
                Param("hi", float, 4.0, 0.0, 50.0, help="right end of the plotted grid")),
        tags=("activation", "deep-learning")),
]
