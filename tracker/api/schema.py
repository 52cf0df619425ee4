"""Errors every operation can answer, documented once for the whole schema (a drf-spectacular hook)."""

ERROR = {
    "description": "Field errors by name, a `detail` message, or a list of messages.",
    "anyOf": [{"type": "object", "additionalProperties": True}, {"type": "array", "items": {}}],
}


def document_errors(result, generator, request, public):
    """Add the error answers the API gives (400, 401, 403, 404, 412, 413, 428, 429) where they can occur."""

    def answer(description):
        return {"description": description, "content": {"application/json": {"schema": ERROR}}}

    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", answer("Invalid query parameters or body, with field errors."))
            responses.setdefault("404", answer("No such object, or no such page."))
            responses.setdefault("429", answer("Too many requests from an anonymous client."))
            if method != "get":
                responses.setdefault("401", answer("Authentication is required."))
                responses.setdefault("403", answer("You may not do this."))
                responses.setdefault("413", answer("The request body is too large."))
            if method in ("put", "patch"):
                responses.setdefault("412", answer("The object changed since the If-Match version."))
                responses.setdefault("428", answer("If-Match is missing: send the ETag you read."))
    return result
