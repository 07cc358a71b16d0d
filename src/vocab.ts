/** IRIs of the vocabularies Hearth reads and writes. */
export const ACP = 'http://www.w3.org/ns/solid/acp#';
/** Web Access Control: the access modes ACP allows (`acl:Read`, `acl:Append`, `acl:Write`, `acl:Control`). */
export const ACL = 'http://www.w3.org/ns/auth/acl#';
/** ActivityStreams 2.0. */
export const AS = 'https://www.w3.org/ns/activitystreams#';
/** Solid terms (type indexes, oidcIssuer). */
export const SOLID = 'http://www.w3.org/ns/solid/terms#';
/** Linked Data Platform. */
export const LDP = 'http://www.w3.org/ns/ldp#';
/** Personal information management (storage, preferences). */
export const PIM = 'http://www.w3.org/ns/pim/space#';
/** Friend of a friend. */
export const FOAF = 'http://xmlns.com/foaf/0.1/';
/** RDF itself. */
export const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
/** XML Schema datatypes. */
export const XSD = 'http://www.w3.org/2001/XMLSchema#';
/** Dublin Core terms. */
export const DCT = 'http://purl.org/dc/terms/';
/** Hearth's own terms, for what no common vocabulary says. */
export const HEARTH = 'https://hearth.example/ns#';
