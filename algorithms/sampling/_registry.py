"""Registry entries for the sampling family (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "sampling"
SEED = Param("seed", int, 0, 0, 10_000, help="random seed of the sampler")

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="metropolis-hastings", title="Random-walk Metropolis-Hastings", family=F,
        summary="MCMC on a bimodal mixture; moments, effective sample size and a KS test against the exact CDF.",
        module="mlnotes.algorithms.sampling.metropolis_hastings", reference="exact mixture moments and CDF",
        params=(Param("n_samples", int, 20_000, 1000, 100_000, help="chain length after burn-in"),
                Param("step", float, 2.5, 0.05, 20.0, help="std of the Gaussian random-walk proposal"), SEED),
        tags=("mcmc",)),
    AlgorithmSpec(
        name="gibbs-sampling", title="Gibbs sampling for a multivariate normal", family=F,
        summary="Coordinate-wise sampling from Gaussian full conditionals; autocorrelation rho^2.",
        module="mlnotes.algorithms.sampling.gibbs", reference="the exact bivariate normal",
        params=(Param("rho", float, 0.9, -0.99, 0.99, help="correlation of the bivariate normal target"),
                Param("n_samples", int, 20_000, 1000, 100_000, help="Gibbs sweeps kept after burn-in"), SEED),
        tags=("mcmc",)),
    AlgorithmSpec(
        name="hmc", title="Hamiltonian Monte Carlo with leapfrog integration", family=F,
        summary="HMC on an ill-conditioned 10-d Gaussian; second-order energy error of leapfrog.",
        module="mlnotes.algorithms.sampling.hmc", reference="the exact Gaussian covariance",
        params=(Param("dim", int, 10, 1, 50, help="dimension of the Gaussian target"),
                Param("n_samples", int, 3000, 100, 10_000, help="states drawn after burn-in"),
                Param("step", float, 0.05, 0.001, 0.2, help="leapfrog step size"),
                Param("n_leapfrog", int, 40, 1, 100, help="leapfrog steps per proposal"), SEED),
        tags=("mcmc", "gradient-based")),
    AlgorithmSpec(
        name="importance-sampling", title="Importance sampling for a rare-event probability", family=F,
        summary="Shifted-proposal estimate of a Gaussian tail probability, plain and self-normalised.",
        module="mlnotes.algorithms.sampling.importance_sampling", reference="scipy.stats.norm.sf",
        params=(Param("threshold", float, 4.0, 0.0, 8.0, help="c in the estimated tail probability P(Z > c), Z ~ N(0, 1)"),
                Param("n", int, 10_000, 100, 1_000_000, help="draws from the shifted proposal N(c, 1)"), SEED),
        tags=("monte-carlo",)),
    AlgorithmSpec(
        name="reservoir-sampling", title="Reservoir sampling (Algorithm R and weighted A-Res)", family=F,
        summary="Uniform k-sample from a stream in one pass; inclusion frequencies against k/n.",
        module="mlnotes.algorithms.sampling.reservoir_sampling", reference="exact inclusion probabilities",
        params=(Param("stream_len", int, 100, 1, 500, help="items in the stream"),
                Param("k", int, 10, 1, 100, help="reservoir size (items kept)"),
                Param("trials", int, 2000, 10, 3000, help="streams sampled to estimate inclusion frequencies"), SEED),
        tags=("streaming",)),
    AlgorithmSpec(
        name="rejection-sampling", title="Rejection sampling with an envelope", family=F,
        summary="Exact Beta samples from uniform proposals; acceptance rate 1/M.",
        module="mlnotes.algorithms.sampling.rejection_sampling", reference="scipy.stats.beta",
        params=(Param("a", float, 2.0, 1.0, 20.0, help="first shape parameter of the Beta target"),
                Param("b", float, 5.0, 1.0, 20.0, help="second shape parameter of the Beta target"),
                Param("n", int, 20_000, 100, 200_000, help="accepted samples to draw"), SEED),
        tags=("monte-carlo",)),
    AlgorithmSpec(
        name="slice-sampling", title="Slice sampling (stepping out and shrinkage)", family=F,
        summary="Univariate slice sampler on a skewed Gamma target; no step size to tune.",
        module="mlnotes.algorithms.sampling.slice_sampling", reference="scipy.stats.gamma",
        params=(Param("n_samples", int, 5000, 100, 20_000, help="samples drawn"),
                Param("width", float, 1.0, 0.01, 100.0, help="initial slice interval width w (stepped out by w)"), SEED),
        tags=("mcmc",)),
]
