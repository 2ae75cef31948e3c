"""The e-Service programme office (OPDC): the catalogue of government services, the digital-ID KPI."""
