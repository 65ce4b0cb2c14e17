"""Views of the programs app, one module per part of the domain (see `programs.urls`)."""
