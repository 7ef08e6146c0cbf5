from pavilion.cli import main

main()
