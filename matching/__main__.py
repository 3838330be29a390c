from matching.cli import main

main()
