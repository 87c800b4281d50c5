from enum import StrEnum


class ResourceType(StrEnum):
    ACCOUNTS = "accounts"
    ATLASES = "atlases"
    ATTRIBUTES = "attributes"
    COHORTS = "cohorts"
    CONNECTIONS = "connections"
    DATASETS = "datasets"
    ENRICHMENTS = "enrichments"
    FEATURE_STORES = "feature_stores"
    MARKET_OPPORTUNITY_ANALYSES = "market_opportunity_analyses"
    MIGRATIONS = "migrations"
    OUTCOMES = "outcomes"
    PERSONA_SETS = "persona_sets"
    PLACES = "places"
    PROJECTS = "projects"
    RECOMMENDERS = "recommenders"
    SCOPES = "scopes"
    STREAMS = "streams"
    TARGETS = "targets"
    TRAITS = "traits"

    def __str__(self) -> str:
        return str(self.value)
