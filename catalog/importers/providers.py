"""Provider ids across sources, and the endpoints of well-known providers.

Each source names providers its own way (LiteLLM `gemini`, models.dev `togetherai`); one
provider must have one id in our catalog, so imports from different sources land on the same
offerings. A provider new to the catalog needs a provider block (wire API, base URL, key
variable); LiteLLM gives none, and models.dev gives a base URL only for OpenAI-compatible
hosts. The table below covers the well-known hosts, each as its own API documentation states.
A provider the catalog already defines always keeps its own block.
"""

from __future__ import annotations

from catalog.schema import Provider

ALIASES: dict[str, dict[str, str]] = {
    "litellm": {
        "gemini": "google",
        "together_ai": "together",
        "fireworks_ai": "fireworks",
        "bedrock_converse": "bedrock",
        "vertex_ai": "vertex",
        "vertex_ai-language-models": "vertex",
        "vertex_ai-anthropic_models": "vertex",
        "vertex_ai-llama_models": "vertex",
        "vertex_ai-mistral_models": "vertex",
        "dashscope": "alibaba",
        "cohere_chat": "cohere",
        "meta_llama": "meta",
    },
    "models.dev": {
        "togetherai": "together",
        "fireworks-ai": "fireworks",
        "amazon-bedrock": "bedrock",
        "google-vertex": "vertex",
        "moonshotai": "moonshot",
        "llama": "meta",
    },
    "openrouter": {},
}
"""Per importer: the source's provider id → ours, where they differ."""


def _provider(
    provider_id: str, name: str, api: str, base_url: str, key_env: str, docs: str
) -> Provider:
    return Provider.model_validate(
        {
            "id": provider_id,
            "name": name,
            "api": api,
            "base_url": base_url,
            "key_env": key_env,
            "docs": docs,
        }
    )


KNOWN_PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        _provider(
            "openai",
            "OpenAI",
            "openai",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            "https://platform.openai.com/docs/models",
        ),
        _provider(
            "anthropic",
            "Anthropic",
            "anthropic",
            "https://api.anthropic.com/v1",
            "ANTHROPIC_API_KEY",
            "https://docs.anthropic.com/en/docs/about-claude/models",
        ),
        _provider(
            "google",
            "Google Gemini API",
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta",
            "GEMINI_API_KEY",
            "https://ai.google.dev/gemini-api/docs/models",
        ),
        _provider(
            "mistral",
            "Mistral AI",
            "openai-compatible",
            "https://api.mistral.ai/v1",
            "MISTRAL_API_KEY",
            "https://docs.mistral.ai/getting-started/models/",
        ),
        _provider(
            "groq",
            "Groq",
            "openai-compatible",
            "https://api.groq.com/openai/v1",
            "GROQ_API_KEY",
            "https://console.groq.com/docs/models",
        ),
        _provider(
            "deepseek",
            "DeepSeek",
            "openai-compatible",
            "https://api.deepseek.com",
            "DEEPSEEK_API_KEY",
            "https://api-docs.deepseek.com/quick_start/pricing",
        ),
        _provider(
            "xai",
            "xAI",
            "openai-compatible",
            "https://api.x.ai/v1",
            "XAI_API_KEY",
            "https://docs.x.ai/docs/models",
        ),
        _provider(
            "together",
            "Together AI",
            "openai-compatible",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            "https://docs.together.ai/docs/serverless-models",
        ),
        _provider(
            "openrouter",
            "OpenRouter",
            "openai-compatible",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            "https://openrouter.ai/models",
        ),
        _provider(
            "fireworks",
            "Fireworks AI",
            "openai-compatible",
            "https://api.fireworks.ai/inference/v1",
            "FIREWORKS_API_KEY",
            "https://fireworks.ai/models",
        ),
        _provider(
            "deepinfra",
            "DeepInfra",
            "openai-compatible",
            "https://api.deepinfra.com/v1/openai",
            "DEEPINFRA_API_KEY",
            "https://deepinfra.com/models",
        ),
        _provider(
            "cerebras",
            "Cerebras",
            "openai-compatible",
            "https://api.cerebras.ai/v1",
            "CEREBRAS_API_KEY",
            "https://inference-docs.cerebras.ai/models/overview",
        ),
        _provider(
            "azure",
            "Azure OpenAI",
            "openai",
            "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
            "AZURE_OPENAI_API_KEY",
            "https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle",
        ),
        _provider(
            "bedrock",
            "Amazon Bedrock",
            "openai-compatible",
            "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1",
            "AWS_BEARER_TOKEN_BEDROCK",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html",
        ),
        _provider(
            "vertex",
            "Google Vertex AI",
            "openai-compatible",
            "https://aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/global/endpoints/openapi",
            "VERTEX_AI_ACCESS_TOKEN",
            "https://cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/overview",
        ),
        _provider(
            "alibaba",
            "Alibaba Cloud Model Studio",
            "openai-compatible",
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            "https://www.alibabacloud.com/help/en/model-studio/models",
        ),
        _provider(
            "moonshot",
            "Moonshot AI",
            "openai-compatible",
            "https://api.moonshot.ai/v1",
            "MOONSHOT_API_KEY",
            "https://platform.moonshot.ai/docs",
        ),
        _provider(
            "zai",
            "Z.ai",
            "openai-compatible",
            "https://api.z.ai/api/paas/v4",
            "ZAI_API_KEY",
            "https://docs.z.ai/guides/overview/pricing",
        ),
        _provider(
            "meta",
            "Meta Llama API",
            "openai-compatible",
            "https://api.llama.com/compat/v1",
            "LLAMA_API_KEY",
            "https://llama.developer.meta.com/docs/models",
        ),
        _provider(
            "cohere",
            "Cohere",
            "openai-compatible",
            "https://api.cohere.ai/compatibility/v1",
            "COHERE_API_KEY",
            "https://docs.cohere.com/docs/compatibility-api",
        ),
        _provider(
            "minimax",
            "MiniMax",
            "openai-compatible",
            "https://api.minimax.io/v1",
            "MINIMAX_API_KEY",
            "https://platform.minimax.io/docs/guides/models-intro",
        ),
    )
}
"""Provider blocks of well-known hosts, keyed by our provider id. Azure and Vertex AI URLs
name the user's own resource or project: replace YOUR-RESOURCE / YOUR-PROJECT in an overlay."""


def our_provider_id(importer: str, source_id: str) -> str:
    """Our id for a source's provider id: the alias when there is one, else the same id."""
    return ALIASES.get(importer, {}).get(source_id, source_id)
