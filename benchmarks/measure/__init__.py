"""Stand-alone measurements behind the numbers in README.md and MEASUREMENTS.md.

Run each as ``python -m nas_env.benchmarks.measure.<name>``:

==========================  =====================================================================
``env_overhead``            time per step of ``nas_env/NB201-v0`` vs ``CartPole-v1``
``learning``                mean reward of the last 200 of 1,000 architectures vs random search
``controller_overhead``     controller milliseconds per architecture, batch m = 8 vs m = 1
``train_throughput``        our trainer vs a hand-written PyTorch loop
``parallel_scaling``        real-training children per second vs one worker (processes, Ray)
``cuda_check``              the prepared check for a CUDA machine
==========================  =====================================================================

They import the library (``nas_env``, ``agents``, ``nas_env.benchmarks.run``); nothing imports them.
"""
