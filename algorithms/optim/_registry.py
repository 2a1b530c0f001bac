"""Registry entries for the optimisation family (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "optim"
SEED = Param("seed", int, 0, 0, 10_000, help="random seed of the problem instance and the search")

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="gradient-descent-momentum", title="Gradient descent, heavy-ball momentum and Nesterov", family=F,
        summary="Measured convergence rates on an ill-conditioned quadratic against theory; Rosenbrock.",
        module="mlnotes.algorithms.optim.gradient_descent", reference="theoretical rates; scipy.optimize.minimize (BFGS)",
        params=(Param("kappa", float, 100.0, 1.5, 10_000.0, help="condition number L/mu of the 10-d quadratic"),
                Param("steps", int, 200, 10, 5000, help="iterations of each method"), SEED),
        tags=("first-order",)),
    AlgorithmSpec(
        name="newton-method", title="Newton's method with Hessian shift and Armijo line search", family=F,
        summary="Damped Newton on Rosenbrock; quadratic convergence near the optimum.",
        module="mlnotes.algorithms.optim.newton", reference="scipy.optimize.minimize(method='trust-exact')",
        params=(Param("x0", float, -1.2, -3.0, 3.0, help="first coordinate of the start"),
                Param("y0", float, 1.0, -3.0, 3.0, help="second coordinate of the start (the others start at 1)"),
                Param("dim", int, 2, 2, 20, help="dimension of the Rosenbrock function")),
        tags=("second-order",)),
    AlgorithmSpec(
        name="lbfgs", title="L-BFGS with the two-loop recursion", family=F,
        summary="Limited-memory quasi-Newton on the n-dimensional Rosenbrock function.",
        module="mlnotes.algorithms.optim.lbfgs", reference="scipy.optimize.minimize(method='L-BFGS-B')",
        params=(Param("dim", int, 10, 2, 200, help="dimension of the Rosenbrock function"),
                Param("memory", int, 10, 1, 50, help="stored curvature pairs m")),
        tags=("quasi-newton",)),
    AlgorithmSpec(
        name="simulated-annealing", title="Simulated annealing for the travelling-salesman problem", family=F,
        summary="2-opt moves with Metropolis acceptance and a geometric schedule, against brute force.",
        module="mlnotes.algorithms.optim.simulated_annealing", reference="exhaustive enumeration of tours",
        params=(Param("n_cities", int, 8, 4, 9, help="random cities (brute force checks every tour)"),
                Param("n_iter", int, 20_000, 100, 100_000, help="2-opt proposals"),
                Param("T0", float, 1.0, 1e-3, 100.0, help="starting temperature of the geometric schedule"), SEED),
        tags=("metaheuristic", "combinatorial")),
    AlgorithmSpec(
        name="genetic-algorithm", title="Genetic algorithm for the 0/1 knapsack problem", family=F,
        summary="Tournament selection, uniform crossover, bit-flip mutation, elitism; DP optimum as reference.",
        module="mlnotes.algorithms.optim.genetic_algorithm", reference="exact dynamic programming",
        params=(Param("n_items", int, 40, 2, 200, help="random knapsack items"),
                Param("generations", int, 200, 1, 1000, help="generations evolved"),
                Param("pop_size", int, 100, 4, 500, help="individuals per generation"), SEED),
        tags=("metaheuristic", "combinatorial")),
    AlgorithmSpec(
        name="particle-swarm", title="Particle swarm optimisation", family=F,
        summary="Constriction-coefficient PSO on the Rastrigin function.",
        module="mlnotes.algorithms.optim.particle_swarm", reference="scipy.optimize.differential_evolution; optimum 0",
        params=(Param("dim", int, 2, 1, 10, help="dimension of the Rastrigin function"),
                Param("n_particles", int, 40, 2, 200, help="swarm size"),
                Param("iters", int, 200, 1, 500, help="swarm updates"), SEED),
        tags=("metaheuristic",)),
    AlgorithmSpec(
        name="bayesian-optimization", title="Bayesian optimisation (GP surrogate + expected improvement)", family=F,
        summary="GP with marginal-likelihood length scale and EI on Branin, against random search.",
        module="mlnotes.algorithms.optim.bayesian_optimization", reference="random search with the same budget",
        params=(Param("n_iter", int, 20, 1, 60, help="evaluations chosen by expected improvement"),
                Param("n_init", int, 5, 2, 20, help="random evaluations before the GP is used"),
                Param("seeds", int, 5, 1, 10, help="repeated runs averaged (BO and random search)")),
        tags=("hyperparameter-tuning", "gaussian-process")),
    AlgorithmSpec(
        name="hyperband", title="Random search, successive halving and Hyperband", family=F,
        summary="Budgeted hyperparameter search on a synthetic learning-curve benchmark.",
        module="mlnotes.algorithms.optim.hyperband", reference="random search with Hyperband's epoch budget",
        params=(Param("max_budget", int, 81, 3, 729, help="most epochs one configuration may get (R)"),
                Param("eta", int, 3, 2, 5, help="halving rate: keep the best 1/eta at each rung"),
                Param("seeds", int, 20, 1, 50, help="benchmark instances averaged")),
        tags=("hyperparameter-tuning",)),
]
