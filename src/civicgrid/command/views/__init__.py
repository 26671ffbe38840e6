"""Pages of the command centre: the live board and map, the numbers and assessment."""
