"""The model file, format version 1, as pydantic models.

This module is the single source of truth for the shape of a model file: the JSON
Schema printed by ``scenarist schema`` and the reference in ``docs/model-format.md`` are
generated from it. Cross-reference checks (unknown ids, impacts within one descriptor,
...) live in :mod:`scenarist.model.validate`, which reports every problem with its
location.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

__all__ = [
    "FORMAT_VERSION",
    "Identifier",
    "SourceRef",
    "Source",
    "Variant",
    "Descriptor",
    "EventRef",
    "ForecastQuestion",
    "Signpost",
    "Judgment",
    "JudgmentSet",
    "Assignment",
    "NamedScenario",
    "FamilyRule",
    "CurrentState",
    "SignpostMatch",
    "Window",
    "Model",
    "json_schema",
]

FORMAT_VERSION = 1

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$",
        max_length=64,
        description="Identifier-safe id: a letter or underscore, then letters, digits, '_' or '-'.",
    ),
]

SourceRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_-]*(#[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*)?$",
        description="A source id, optionally with paragraph numbers: 'article#12-14' or 'article#3,7'.",
    ),
]

VariantRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*$",
        description="A variant written as 'descriptor_id.variant_id'.",
    ),
]


class _Strict(BaseModel):
    # defer_build: the validators are built at the first validation, not at import, so a command
    # whose model comes from the results cache never builds them.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class Source(_Strict):
    """A document the model rests on."""

    id: Identifier
    title: str
    author: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    paragraphs: str | None = Field(
        default=None,
        description="For a text source: how its paragraphs are numbered, so 'id#n' citations can be followed.",
    )


class Variant(_Strict):
    """One possible state of a descriptor."""

    id: Identifier
    name: str
    short: str | None = Field(default=None, description="Short name (as ScenarioWizard keeps one).")
    description: str | None = None


class Descriptor(_Strict):
    """A key factor of the system and its mutually exclusive variants."""

    id: Identifier
    name: str
    short: str | None = Field(default=None, description="Short name (as ScenarioWizard keeps one).")
    description: str | None = None
    variants: list[Variant] = Field(min_length=1)
    sources: list[SourceRef] = Field(default_factory=list)
    prior: dict[str, float] | None = Field(
        default=None,
        description=(
            "Optional analyst prior over this descriptor's variants (variant id -> weight, normalised). "
            "Used to draw starting scenarios in the probability engine; meant for autonomous (driving) descriptors."
        ),
    )
    as_of: dt.date | None = Field(
        default=None,
        description="When this descriptor's state is settled (e.g. an election date); a judgment from a "
        "descriptor settled later than its target runs backwards in time and is warned about.",
    )


class Judgment(_Strict):
    """How much one variant promotes (+) or restricts (-) another variant of another descriptor."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: VariantRef = Field(alias="from", description="The variant that exerts the influence.")
    target: VariantRef = Field(alias="to", description="The variant influenced.")
    impact: StrictInt = Field(
        ge=-(2**31 - 1), le=2**31 - 1, description="Integer impact, usually -3..+3 (at most ±2^31 − 1); non-zero."
    )
    confidence: int | None = Field(
        default=None, ge=1, le=5, description="How sure the judgment is: 1 (a guess) to 5 (certain)."
    )
    rationale: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)


class JudgmentSet(_Strict):
    """An alternative set of judgments (e.g. one expert's), for ensemble analysis."""

    id: Identifier
    name: str
    judgments: list[Judgment] = Field(default_factory=list)


Assignment = dict[str, str | list[str]]
"""descriptor id -> allowed variant id, or list of allowed variant ids."""


def _check_assignment(value: Assignment) -> Assignment:
    for key, allowed in value.items():
        if isinstance(allowed, list) and not allowed:
            raise ValueError(f"descriptor {key!r} lists no allowed variant")
    return value


class NamedScenario(_Strict):
    """A named future: a family defined by a small core of variants, or a lens across the families.

    Every scenario belongs to at most one family (see ``families`` on the model for the rule);
    a lens is an overlapping view (e.g. "the war goes on") reported beside the families.
    """

    id: Identifier
    name: str
    kind: Literal["family", "lens"] = Field(
        default="family",
        description="family: takes part in the partition of scenarios; lens: a view across the families.",
    )
    description: str | None = None
    likelihood_claim: str | None = Field(
        default=None, description="The likelihood the source states for this future, in its own terms."
    )
    core: Assignment = Field(
        min_length=1,
        description="The defining variants: descriptor id -> allowed variant id, or list of allowed variant ids. "
        "(The older key 'variants' is read as 'core'.)",
    )
    typical: Assignment = Field(
        default_factory=dict,
        description="Variants that describe the family without defining it; they break ties between families.",
    )
    sources: list[SourceRef] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _variants_is_core(cls, data: Any) -> Any:
        if isinstance(data, dict) and "variants" in data:
            if "core" in data:
                raise ValueError("give the defining variants as 'core' (or the older 'variants'), not both")
            data = {("core" if k == "variants" else k): v for k, v in data.items()}
        return data

    @field_validator("core", "typical")
    @classmethod
    def _non_empty_lists(cls, value: Assignment) -> Assignment:
        return _check_assignment(value)


class FamilyRule(_Strict):
    """How a complete scenario is assigned to one family (or to none of them)."""

    max_distance: int = Field(
        default=1,
        ge=0,
        description="A scenario matching no family's core joins the nearest family when at most this many "
        "core descriptors differ and more than half of that core matches; 0 means core matches only.",
    )


class Window(_Strict):
    """A date interval; either end may be left open (the model's own window applies)."""

    start: dt.date | None = None
    end: dt.date | None = None


class SignpostMatch(_Strict):
    """Hints for matching news items to a signpost."""

    phrases: list[str] = Field(default_factory=list, description="Phrases that speak for the signpost.")
    require: list[str] = Field(
        default_factory=list, description="At least one of these phrases must appear in an item."
    )
    actors: list[str] = Field(
        default_factory=list,
        description="Who must act: when given, at least one of these phrases must appear as well "
        "(a second condition besides require, e.g. the government that takes the step).",
    )
    targets: list[str] = Field(
        default_factory=list,
        description="Whom the step is aimed at: when given, at least one of these phrases must appear, and the "
        "roles are checked: an item whose headline has a target (and no actor) as its subject, as its speaker or "
        "as the agent of a passive ('sanctioned by ...'), or a speaker and no actor at all, is not proposed, and "
        "an actor named only after 'on' or 'against' does not count.",
    )
    exclude: list[str] = Field(default_factory=list, description="An item with any of these phrases is not proposed.")


class CurrentState(_Strict):
    """What the analyst declares true now: a partial assignment with its date."""

    date: dt.date
    variants: Assignment = Field(min_length=1)
    sources: list[SourceRef] = Field(default_factory=list)

    @field_validator("variants")
    @classmethod
    def _non_empty_lists(cls, value: Assignment) -> Assignment:
        return _check_assignment(value)


class Signpost(_Strict):
    """An observable event whose probability depends on the variant of one descriptor."""

    id: Identifier
    name: str
    observation: str = Field(description="What would count as observing the signpost.")
    descriptor: Identifier = Field(description="The descriptor the signpost bears on.")
    likelihoods: dict[str, float] = Field(
        min_length=1,
        description="variant id -> probability (0..1) of observing the signpost if that variant holds; "
        "variants not listed take 'default_likelihood'.",
    )
    default_likelihood: float = Field(default=0.5, ge=0, le=1)
    window: Window | None = Field(
        default=None,
        description="When the event can be observed (default: the model's window, start to horizon). "
        "Before the window closes, 'not observed' needs an explicit statement.",
    )
    match: SignpostMatch | None = Field(default=None, description="Hints for matching news items.")
    rationale: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)


class EventRef(_Strict):
    """A model event: a variant of a descriptor, or a named scenario."""

    descriptor: Identifier | None = None
    variant: Identifier | None = None
    scenario: Identifier | None = None


class ForecastQuestion(_Strict):
    """A question to forecast and later resolve, optionally tied to a model event."""

    id: Identifier
    question: str
    resolution_criteria: str
    close_date: dt.date
    event: EventRef | None = Field(
        default=None,
        description="{descriptor, variant} or {scenario}: the model's probability of it becomes the forecast.",
    )
    signpost: Identifier | None = Field(
        default=None,
        description="The signpost that observes this question's own event: its evidence does not move the "
        "question's model forecast (it would resolve the question, not inform it).",
    )
    sources: list[SourceRef] = Field(default_factory=list)


class Model(_Strict):
    """A Scenarist model file (format version 1)."""

    scenarist: Literal[1] = Field(description="Format version; always 1 for this format.")
    id: Identifier
    title: str
    question: str | None = None
    start: dt.date | None = Field(
        default=None, description="Start of the model's window: evidence dated earlier is refused."
    )
    horizon: dt.date | None = Field(
        default=None, description="End of the model's window: evidence dated later is refused."
    )
    description: str | None = None
    sources: list[Source] = Field(default_factory=list)
    descriptors: list[Descriptor] = Field(min_length=1)
    judgments: list[Judgment] = Field(default_factory=list)
    judgment_sets: list[JudgmentSet] = Field(
        default_factory=list, description="Optional alternative judgment sets (ensemble members)."
    )
    scenarios: list[NamedScenario] = Field(default_factory=list)
    families: FamilyRule = Field(default_factory=FamilyRule, description="The rule assigning scenarios to families.")
    current: CurrentState | None = Field(
        default=None, description="The state the analyst declares current, for probabilities 'from today'."
    )
    signposts: list[Signpost] = Field(default_factory=list)
    forecasts: list[ForecastQuestion] = Field(default_factory=list)
    default_confidence: int = Field(
        default=3, ge=1, le=5, description="Confidence assumed for judgments that state none (1..5)."
    )
    allow_self_impacts: bool = Field(
        default=False,
        description=(
            "Accept judgments between variants of one descriptor (ScenarioWizard files may carry "
            "them). They enter the impact balances as ScenarioWizard does, with a warning."
        ),
    )
    meta: dict[str, Any] = Field(
        default_factory=dict,
        description="Format-specific information kept for faithful round trips (e.g. from a .scw file).",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the model file (draft 2020-12), by alias ('from'/'to')."""
    schema = Model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Scenarist model file, format version 1"
    return schema
