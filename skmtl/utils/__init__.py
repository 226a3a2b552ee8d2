"""Small helpers shared by the layers: linear algebra and parameter validation."""
