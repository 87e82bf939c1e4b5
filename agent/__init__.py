"""The planner: a LangChain agent over ``tools.TOOLS`` (arrives with the ad pipeline)."""

__all__: list[str] = []
