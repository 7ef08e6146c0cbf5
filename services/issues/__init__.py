"""Issue intake, routing to grid workers, SLA clocks, deliberation, micro-projects, evaluation."""
