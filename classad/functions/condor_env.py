"""HTCondor's argument and environment builtins: listToArgs, argsToList, envV1ToV2, mergeEnvironment."""

from __future__ import annotations

from typing import Any

from classad.argsyntax import (
    ArgSyntaxError,
    environment_v1,
    environment_v2,
    join_environment,
    join_v2,
    split_v2,
)
from classad.functions import builtin
from classad.values import UNDEFINED, Error, SharedList, read_element


@builtin("listToArgs", arity=(1, 1))
def list_to_args(args: list[Any]) -> Any:
    items = args[0]
    if not isinstance(items, list) or any(type(read_element(v)) is not str for v in items):
        return Error("listToArgs() needs a list of strings")
    return join_v2(items)


@builtin("argsToList", arity=(1, 1))
def args_to_list(args: list[Any]) -> Any:
    text = args[0]
    if type(text) is not str:
        return Error("argsToList() needs a string")
    try:
        return SharedList(split_v2(text))
    except ArgSyntaxError:
        return Error("unterminated quote")


@builtin("envV1ToV2", arity=(1, 1))
def env_v1_to_v2(args: list[Any]) -> Any:
    text = args[0]
    if text is UNDEFINED:
        return UNDEFINED
    if type(text) is not str:
        return Error("envV1ToV2() needs a string")
    try:
        return join_environment(dict(environment_v1(text)))
    except ArgSyntaxError as exc:
        return Error(str(exc))


@builtin("mergeEnvironment", arity=(0, None))
def merge_environment(args: list[Any]) -> Any:
    env: dict[str, str] = {}
    for text in args:
        if text is UNDEFINED:
            continue
        if type(text) is not str:
            return Error("mergeEnvironment() needs strings")
        try:
            env.update(environment_v2(text))
        except ArgSyntaxError as exc:
            return Error(str(exc))
    return join_environment(env)
