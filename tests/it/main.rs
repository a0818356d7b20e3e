mod deps;
