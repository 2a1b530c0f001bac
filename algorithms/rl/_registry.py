"""Registry entries for the reinforcement-learning family (light: imports only the registry types)."""

from mlnotes.algorithms.registry import AlgorithmSpec, Param

F = "rl"
SEED = Param("seed", int, 0, 0, 10_000, help="random seed of the environment and the agent")

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="bandits", title="Multi-armed bandits: epsilon-greedy, UCB1, Thompson sampling", family=F,
        summary="Cumulative regret of three exploration strategies against the Lai-Robbins bound.",
        module="mlnotes.algorithms.rl.bandits", reference="Lai-Robbins lower bound; random policy",
        params=(Param("horizon", int, 2000, 10, 5000, help="pulls per run"),
                Param("runs", int, 10, 1, 20, help="independent runs averaged"),
                Param("epsilon", float, 0.1, 0.0, 1.0, help="exploration rate of epsilon-greedy"), SEED),
        tags=("exploration",)),
    AlgorithmSpec(
        name="value-policy-iteration", title="Value iteration and policy iteration", family=F,
        summary="Dynamic programming on a slippery grid world, checked against the Bellman linear system.",
        module="mlnotes.algorithms.rl.dynamic_programming", reference="(I - gamma P_pi)^-1 R_pi (numpy.linalg.solve)",
        params=(Param("gamma", float, 0.95, 0.0, 0.999, help="discount factor"),
                Param("slip", float, 0.1, 0.0, 0.9, help="probability of moving perpendicular to the chosen action"),
                Param("step_reward", float, -0.04, -1.0, 0.0, help="reward of every non-terminal step")),
        tags=("dynamic-programming", "mdp")),
    AlgorithmSpec(
        name="q-learning-sarsa", title="Q-learning and SARSA on a grid world", family=F,
        summary="Tabular TD control; the learned greedy policy is compared with the optimal one exactly.",
        module="mlnotes.algorithms.rl.td_control", reference="value iteration (V*) and exact policy evaluation",
        params=(Param("episodes", int, 3000, 10, 4000, help="training episodes per method"),
                Param("epsilon", float, 0.5, 0.0, 1.0, help="exploration rate of the epsilon-greedy behaviour"),
                Param("gamma", float, 0.95, 0.0, 0.99, help="discount factor"), SEED),
        tags=("td-learning",)),
    AlgorithmSpec(
        name="reinforce", title="REINFORCE (Monte Carlo policy gradient) on CartPole", family=F,
        summary="Linear softmax policy with a time-step baseline; CartPole written from the 1983 equations.",
        module="mlnotes.algorithms.rl.reinforce", reference="maximum return 200; random policy",
        params=(Param("iterations", int, 60, 1, 150, help="policy updates"),
                Param("batch", int, 16, 1, 64, help="episodes per update"),
                Param("lr", float, 0.05, 1e-4, 0.5, help="learning rate"), SEED),
        tags=("policy-gradient", "cartpole")),
    AlgorithmSpec(
        name="a2c", title="Advantage actor-critic (A2C) on CartPole", family=F,
        summary="Synchronous actor-critic with n-step bootstrapped returns and an entropy bonus.",
        module="mlnotes.algorithms.rl.a2c", reference="maximum return 200",
        params=(Param("updates", int, 400, 1, 600, help="actor-critic updates"),
                Param("n_envs", int, 16, 1, 16, help="parallel CartPole environments"),
                Param("n_steps", int, 32, 1, 32, help="steps per environment between updates"), SEED),
        tags=("actor-critic", "cartpole")),
    AlgorithmSpec(
        name="ppo", title="Proximal policy optimisation (clipped objective, GAE) on CartPole", family=F,
        summary="PPO-clip with GAE(lambda), minibatch epochs, value loss and entropy bonus.",
        module="mlnotes.algorithms.rl.ppo", reference="maximum return 200",
        params=(Param("iterations", int, 30, 1, 50, help="collect-then-optimise rounds"),
                Param("n_envs", int, 16, 1, 16, help="parallel CartPole environments"),
                Param("clip", float, 0.2, 0.01, 1.0, help="clip range epsilon of the probability ratio"), SEED),
        tags=("policy-gradient", "actor-critic", "cartpole")),
    AlgorithmSpec(
        name="dqn", title="Deep Q-network with replay buffer and target network on CartPole", family=F,
        summary="DQN with Huber TD loss, epsilon annealing and a periodically copied target network.",
        module="mlnotes.algorithms.rl.dqn", reference="maximum return 200",
        params=(Param("vector_steps", int, 3000, 100, 4000, help="steps of the vectorised environment"),
                Param("n_envs", int, 4, 1, 4, help="parallel CartPole environments"), SEED),
        tags=("value-based", "cartpole")),
]
