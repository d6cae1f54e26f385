#!/bin/sh
echo "role script in $(basename "$PWD")"
