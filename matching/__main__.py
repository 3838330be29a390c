from matching.cli.main import main

main()
