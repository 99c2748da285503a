"""The project library (儿童友好城市项目库): the city's child-friendly projects, each with its child impact
assessment (儿童影响评价), and the consultations that feed them."""
