from enum import StrEnum


class ResourceType(StrEnum):
    ACCOUNTS = "accounts"
    ATLASES = "atlases"
    ATTRIBUTES = "attributes"
    COHORTS = "cohorts"
    CONNECTIONS = "connections"
    DATASETS = "datasets"
    FEATURE_STORES = "feature_stores"
    MARKET_OPPORTUNITY_ANALYSES = "market_opportunity_analyses"
    OUTCOMES = "outcomes"
    PERSONA_SETS = "persona_sets"
    PLACES = "places"
    RECOMMENDERS = "recommenders"
    SCOPES = "scopes"
    STREAMS = "streams"
    TARGETS = "targets"
    TRAITS = "traits"

    def __str__(self) -> str:
        return str(self.value)


def parse_resource_type(value: object) -> ResourceType:
    member = _MEMBERS.get(value) if value.__class__ is str else None
    return ResourceType(value) if member is None else member


_MEMBERS = {member.value: member for member in ResourceType}
