"""The RESP transport: sans-IO request parser, reply encoder, asyncio connection."""
