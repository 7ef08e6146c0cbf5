"""The pavilion council (凉亭议事会): the five-step procedure for important matters,
micro-projects and their progress, and the problem → project → result funnel."""
