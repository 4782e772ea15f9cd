/** Registers every built-in scalar and generator function. */
import './operators.js'
import './generators.js'
