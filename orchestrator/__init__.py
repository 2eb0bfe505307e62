"""Budget planning, sequence assembly (`inputs_embeds`), generation and the HTTP service."""
