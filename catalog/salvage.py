"""What can still be read of a mapping that does not validate as a whole.

The cross-field rules (`catalog.rules`) read typed offerings. An offering with a schema problem
(an unknown key, a missing source) does not validate, and without this its rules would not run:
fixing the unknown key would then reveal an output limit above the context window in a second
pass. `salvage` builds the typed object field by field instead, so one pass reports both.
"""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)

_STRICT = ConfigDict(strict=True, allow_inf_nan=False)
"""The catalog models' own checks (`catalog.schema.Strict`), for a field on its own."""


def salvage(model: type[M], data: object) -> M:
    """`data` read as `model` as far as it goes: each field that validates on its own keeps its
    value, a nested model is salvaged in turn, and any other field (invalid or missing) takes
    its default, or None when it has none.

    The result is for the cross-field rules only, never for the catalog: a field that failed
    reads as unknown, so a rule cannot report it a second time.
    """
    raw = data if isinstance(data, dict) else {}
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        nested = _model_in(info.annotation)
        given = raw.get(info.alias or name)
        if nested is not None and isinstance(given, dict):
            values[name] = _salvaged_model(nested, given)
        elif given is not None and (found := _valid(model, name, given)) is not None:
            values[name] = found[0]
        elif not info.is_required():
            values[name] = info.get_default(call_default_factory=True)
        else:
            values[name] = salvage(nested, {}) if nested is not None else None
    return model.model_construct(**values)


def _salvaged_model(model: type[BaseModel], data: dict[Any, Any]) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError:
        return salvage(model, data)


def _valid(model: type[BaseModel], name: str, value: object) -> tuple[Any] | None:
    """`(value,)` validated as field `name` of `model`, or None when it is not valid."""
    try:
        return (_adapter(model, name).validate_python(value),)
    except ValidationError:
        return None


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info: FieldInfo = model.model_fields[name]
    annotated: Any = info.annotation
    if info.metadata:
        annotated = Annotated[(annotated, *info.metadata)]
    if isinstance(annotated, type) and issubclass(annotated, BaseModel):
        return TypeAdapter(annotated)  # a model brings its own configuration
    return TypeAdapter(annotated, config=_STRICT)


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model class of a field typed `Model` or `Model | None`, else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [a for a in get_args(annotation) if a is not type(None)]
        if len(models) == 1:
            return _model_in(models[0])
    return None
