from . import test_backend_tour
