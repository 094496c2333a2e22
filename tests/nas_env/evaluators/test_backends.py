"""The reward backends in one place (nas_env/evaluators/backends.py): one vocabulary, one validation, and the
stand-alone version of a run's env kwargs that re-training uses."""

from __future__ import annotations

import inspect

import gymnasium as gym
import pytest

import nas_env
from nas_env.evaluators.backends import BACKENDS, FAMILIES, rescoring_env_kwargs, standalone_env_kwargs
from nas_env.evaluators.image_shared import SharedWeightEvaluator
from nas_env.spaces import ZophLeCNNSpace

#: env id -> its family in FAMILIES
ENV_FAMILIES = {"nas_env/NB201-v0": "nb201", "nas_env/Macro-v0": "macro", "nas_env/ZophLeCNN-v0": "cnn",
                "nas_env/ZophLeRNN-v0": "rnn"}
CNN = {"num_layers": 2, "filter_sizes": [1, 3], "num_filters": [4, 8], "epochs": 1}
RNN = {"base": 2, "max_chars": 5000}


def test_every_family_speaks_one_vocabulary_and_its_env_default_is_one_of_its_backends():
    assert set(ENV_FAMILIES) <= set(nas_env.ENV_IDS)
    for env_id, family in ENV_FAMILIES.items():
        assert set(FAMILIES[family]) <= set(BACKENDS)
        entry = gym.spec(env_id).entry_point
        module, name = entry.split(":")
        cls = getattr(__import__(module, fromlist=[name]), name)
        assert inspect.signature(cls).parameters["backend"].default in FAMILIES[family]


@pytest.mark.parametrize(("env_id", "kwargs", "message"), [
    ("nas_env/NB201-v0", {"backend": "shared"}, "unknown backend 'shared'; valid: ['table', 'train']"),
    ("nas_env/Macro-v0", {"train_kwargs": {"epochs": 1}}, "train_kwargs ['epochs'] given but backend='table'"),
    ("nas_env/NB201-v0", {"backend": "train", "train_kwargs": {"epoch": 1}},
     "unknown train_kwargs ['epoch'] for backend='train'; valid: ["),
    ("nas_env/ZophLeCNN-v0", {**CNN, "train_kwargs": {"epochs": 3}},
     "train_kwargs ['epochs'] repeat the env's own arguments with backend='train'; set them on the env"),
    ("nas_env/ZophLeCNN-v0", {**CNN, "backend": "table"}, "unknown backend 'table'; valid: ['train', 'shared']"),
    ("nas_env/ZophLeCNN-v0", {**CNN, "backend": "shared", "reward_metric": "max_last5"},
     "reward_metric='max_last5' applies to backend='train' only, not 'shared' ('shared' uses 'final')"),
    ("nas_env/ZophLeCNN-v0", {**CNN, "backend": "shared", "train_kwargs": {"test_accuracy": False}},
     "train_kwargs 'test_accuracy' was renamed 'evaluate_test'; use train_kwargs={'evaluate_test': False}"),
    ("nas_env/ZophLeRNN-v0", {**RNN, "train_kwargs": {"steps": 3}},
     "unknown train_kwargs ['steps'] for backend='train'; valid: ["),
    ("nas_env/ZophLeRNN-v0", {**RNN, "backend": "shared", "train_kwargs": {"dataset": "ptb"}},
     "train_kwargs ['dataset'] repeat the env's own arguments with backend='shared'"),
    ("nas_env/ZophLeCNN-v0", {**CNN, "train_kwargs": {"lr": 0.01}},  # issue 22: not "got multiple values for 'lr'"
     "train_kwargs ['lr'] repeat the env's own arguments with backend='train'; set them on the env"),
    ("nas_env/NB201-v0", {"backend": "train", "train_kwargs": {"model_options": {"num_classes": 3, "channels": 8}}},
     "model_options ['num_classes'] collide with what the child's builder is given by the dataset (num_classes, "
     "in_channels, image_size) and the search (arch); remove them from model_options"),
])
def test_bad_backend_arguments_name_the_value_and_what_is_valid(env_id, kwargs, message):
    with pytest.raises(ValueError) as err:
        gym.make(env_id, **kwargs)
    assert message in str(err.value)


def test_the_unknown_train_kwargs_message_lists_exactly_what_the_evaluator_takes():
    with pytest.raises(ValueError) as err:
        gym.make("nas_env/ZophLeCNN-v0", **CNN, train_kwargs={"nope": 1})
    valid = err.value.args[0].split("valid: ")[1]
    assert "'momentum'" in valid and "'model_options'" in valid  # TrainEvaluator's own arguments
    assert "'epochs'" not in valid and "'dataset'" not in valid  # the env's


def test_the_shared_backend_lets_train_kwargs_override_the_envs_data_and_machine_arguments():
    env = gym.make("nas_env/ZophLeCNN-v0", **CNN, batch_size=64, backend="shared",
                   train_kwargs={"batch_size": 16, "device": "cpu"})
    assert env.unwrapped.evaluator.batch_size == 16 and env.unwrapped.evaluator.config()["device"] == "cpu"


def test_a_renamed_evaluator_argument_names_its_new_name():
    with pytest.raises(ValueError, match="argument 'test_accuracy' was renamed 'evaluate_test'"):
        SharedWeightEvaluator(ZophLeCNNSpace(num_layers=2), test_accuracy=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        SharedWeightEvaluator(ZophLeCNNSpace(num_layers=2), nope=1)
    assert not SharedWeightEvaluator(ZophLeCNNSpace(num_layers=2), evaluate_test=False).evaluate_test


def test_standalone_kwargs_drop_the_shared_backend_and_its_shared_only_train_kwargs():
    shared = {**CNN, "backend": "shared",
              "train_kwargs": {"steps": 2, "max_train_samples": 256, "num_threads": 1, "device": "cpu"}}
    assert standalone_env_kwargs(shared) == {
        **CNN, "backend": "train", "device": "cpu", "train_kwargs": {"max_train_samples": 256, "num_threads": 1},
    }  # "steps" dropped; "device" an argument of the env
    plain = {"num_layers": 4, "train_kwargs": {"num_threads": 1}}
    assert standalone_env_kwargs(plain) == plain
    assert gym.make("nas_env/ZophLeCNN-v0", **standalone_env_kwargs(shared)).unwrapped.evaluator.expensive


def test_rescoring_kwargs_measure_on_the_whole_validation_split():
    shared = {**CNN, "backend": "shared", "train_kwargs": {"steps": 2, "val_samples": 64}}
    assert rescoring_env_kwargs(shared) == {**CNN, "backend": "shared", "train_kwargs": {"steps": 2}}
    assert rescoring_env_kwargs(CNN) == CNN
