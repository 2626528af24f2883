"""`eda llm serve` and `eda llm ask`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.llm.options import base_url_option, model_option, api_key_option

llm_app = typer.Typer(help="Ask an LLM (the bundled local model or any OpenAI-compatible endpoint).",
                      no_args_is_help=True, add_completion=False)


def _fail(e: Exception) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(1)


@llm_app.command()
def serve(model_path: Optional[Path] = typer.Option(None, "--model-path", help="GGUF model file "
                                                    "(default: the bundled SmolLM2-135M-Instruct)."),
          port: int = typer.Option(8080, "--port", help="Port on 127.0.0.1 (0: a free one).")) -> None:
    """Serve a model at http://127.0.0.1:PORT/v1 until Ctrl-C."""
    from eda.errors import EdaError
    from eda.llm.local import serve_forever
    try:
        serve_forever(model_path, port)
    except EdaError as e:
        _fail(e)


@llm_app.command()
def ask(prompt: str = typer.Argument(..., help="The question."),
        schema: Optional[Path] = typer.Option(None, "--schema", help="JSON schema file: answer with a "
                                              "JSON document valid against it."),
        base_url: Optional[str] = base_url_option(),
        model: Optional[str] = model_option(),
        api_key: Optional[str] = api_key_option(),
        no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the response cache."),
        max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Longest answer, in tokens.")) -> None:
    """Print the answer to PROMPT (only the answer, on stdout)."""
    import json

    from eda.errors import EdaError
    from eda.llm.client import LLMClient
    params = {} if max_tokens is None else {"max_tokens": max_tokens}
    try:
        client = LLMClient(base_url, model, api_key, cache=not no_cache)
        if schema is not None:
            try:
                schema_doc = json.loads(schema.read_text())
            except (OSError, ValueError) as e:
                raise EdaError(f"{schema}: cannot read JSON schema: {e}") from None
            typer.echo(json.dumps(client.ask_json(prompt, schema_doc, **params), indent=2))
        else:
            typer.echo(client.chat([{"role": "user", "content": prompt}], **params))
    except EdaError as e:
        _fail(e)
