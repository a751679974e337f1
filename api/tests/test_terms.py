"""The shared terms are defined once and used everywhere (models, repository, routes)."""

from __future__ import annotations

from pakaura_api import models, repository, terms
from pakaura_api.config import AI_MODEL, Settings


def test_models_and_repository_use_the_shared_enums() -> None:
    assert models.Priority is terms.Priority
    assert models.Role is terms.Role
    assert models.Mode is terms.Mode
    assert repository.StatusFilter is terms.TaskStatus
    assert [s.value for s in terms.TaskStatus] == ["all", "pending", "completed"]


def test_the_openapi_status_filter_is_the_shared_enum(app) -> None:
    parameters = app.openapi()["paths"]["/api/v1/tasks"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    assert status["schema"]["$ref"].endswith("/TaskStatus")
    schema = app.openapi()["components"]["schemas"]["TaskStatus"]
    assert schema["enum"] == [s.value for s in terms.TaskStatus]


def test_ai_defaults_come_from_the_settings() -> None:
    assert Settings.model_fields["ai_model"].default == AI_MODEL
