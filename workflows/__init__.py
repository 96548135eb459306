"""The example workflows shipped with agentsh (and the offline tools and steps they use), loaded like any user workflow."""
