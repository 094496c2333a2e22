"""Stand-alone measurements behind the numbers in README.md and MEASUREMENTS.md.

Run each as ``python -m nas_env.benchmarks.measure.<name>``:

==========================  =====================================================================
``env_overhead``            time per step of ``nas_env/NB201-v0`` vs ``CartPole-v1``
``learning``                mean reward of the last 200 of 1,000 architectures vs random search
``controller_overhead``     controller milliseconds per architecture, batch m = 8 vs m = 1
``train_throughput``        our trainer vs a hand-written PyTorch loop
``parallel_scaling``        real-training children per second vs one worker (processes, Ray)
``cuda_check``              the prepared check for a CUDA machine
``lm_throughput``           searched recurrent cells (fused, eager) against ``torch.nn.LSTM``
``weight_sharing``          shared-weight search vs full-training search on digits (CNN space)
``shared_rnn``              shared weights for recurrent cells: cost per child, rank agreement
``nb201_protocol_effects``  how much each difference from NAS-Bench-201's protocol moves random search
``tune_nb201_lr``           an RL agent's lr under an nb201 protocol, on seeds disjoint from the reported ones
``nb201_rea_spread``        what moves the spread of REA's result under ``nb201-cifar10``, one change at a time
==========================  =====================================================================

They import the library (``nas_env``, ``nas_env.agents``, ``nas_env.benchmarks``) and nothing from each other;
nothing imports them (tests run them as a user does, with ``python -m``). What two of them share lives in the
library (e.g. :func:`nas_env.benchmarks.protocols.cnn.shared_env_kwargs`).
"""
