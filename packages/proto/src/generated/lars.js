/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;

// Patched in by scripts/gen.mjs: strict varint and unknown-field readers.
// A varint of at most 10 bytes; its low 32 bits, unsigned.
function $varint(reader) {
    const buf = reader.buf, end = reader.len;
    let pos = reader.pos;
    if (pos < end && buf[pos] < 128) {
        reader.pos = pos + 1;
        return buf[pos];
    }
    let value = 0;
    for (let i = 0; i < 10; i++) {
        if (pos >= end)
            throw RangeError("index out of range: varint runs past the end");
        const b = buf[pos++];
        if (i < 5)
            value |= (b & 127) << (7 * i);
        if (b < 128) {
            reader.pos = pos;
            return value >>> 0;
        }
    }
    throw Error("invalid varint: longer than 10 bytes");
}

// The default branch of a decoder's switch on the tag: a field number up to
// `known` (the message's highest, all of 1..known declared) has a wire type
// that is not its own, or is 0; any other is skipped by its wire type.
function $skipUnknown(reader, tag, known) {
    const field = tag >>> 3, wireType = tag & 7;
    if (field <= known)
        throw Error(field === 0 ? "invalid field number 0" : "wire type " + wireType + " for field " + field);
    let n;
    switch (wireType) {
    case 0:
        $varint(reader);
        return;
    case 1:
        n = 8;
        break;
    case 2:
        n = $varint(reader);
        break;
    case 5:
        n = 4;
        break;
    default:
        throw Error("invalid wire type " + wireType + " for field " + field);
    }
    if (n > reader.len - reader.pos)
        throw RangeError("index out of range: field " + field + " runs past the end");
    reader.pos += n;
}

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const lars = $root.lars = (() => {

    /**
     * Namespace lars.
     * @exports lars
     * @namespace
     */
    const lars = {};

    /**
     * MessageId enum.
     * @name lars.MessageId
     * @enum {number}
     * @property {number} ID_UNKNOW=0 ID_UNKNOW value
     * @property {number} ID_GetRouteRequest=1 ID_GetRouteRequest value
     * @property {number} ID_GetRouteResponse=2 ID_GetRouteResponse value
     * @property {number} ID_ReportStatusRequest=3 ID_ReportStatusRequest value
     * @property {number} ID_GetHostRequest=4 ID_GetHostRequest value
     * @property {number} ID_GetHostResponse=5 ID_GetHostResponse value
     * @property {number} ID_ReportRequest=6 ID_ReportRequest value
     * @property {number} ID_API_GetRouteRequest=7 ID_API_GetRouteRequest value
     * @property {number} ID_API_GetRouteResponse=8 ID_API_GetRouteResponse value
     */
    lars.MessageId = (function() {
        const valuesById = {}, values = Object.create(valuesById);
        values[valuesById[0] = "ID_UNKNOW"] = 0;
        values[valuesById[1] = "ID_GetRouteRequest"] = 1;
        values[valuesById[2] = "ID_GetRouteResponse"] = 2;
        values[valuesById[3] = "ID_ReportStatusRequest"] = 3;
        values[valuesById[4] = "ID_GetHostRequest"] = 4;
        values[valuesById[5] = "ID_GetHostResponse"] = 5;
        values[valuesById[6] = "ID_ReportRequest"] = 6;
        values[valuesById[7] = "ID_API_GetRouteRequest"] = 7;
        values[valuesById[8] = "ID_API_GetRouteResponse"] = 8;
        return values;
    })();

    /**
     * LarsRetCode enum.
     * @name lars.LarsRetCode
     * @enum {number}
     * @property {number} RET_SUCC=0 RET_SUCC value
     * @property {number} RET_OVERLOAD=1 RET_OVERLOAD value
     * @property {number} RET_SYSTEM_ERROR=2 RET_SYSTEM_ERROR value
     * @property {number} RET_NOEXIST=3 RET_NOEXIST value
     */
    lars.LarsRetCode = (function() {
        const valuesById = {}, values = Object.create(valuesById);
        values[valuesById[0] = "RET_SUCC"] = 0;
        values[valuesById[1] = "RET_OVERLOAD"] = 1;
        values[valuesById[2] = "RET_SYSTEM_ERROR"] = 2;
        values[valuesById[3] = "RET_NOEXIST"] = 3;
        return values;
    })();

    lars.HostInfo = (function() {

        /**
         * Properties of a HostInfo.
         * @memberof lars
         * @interface IHostInfo
         * @property {number|null} [ip] HostInfo ip
         * @property {number|null} [port] HostInfo port
         */

        /**
         * Constructs a new HostInfo.
         * @memberof lars
         * @classdesc Represents a HostInfo.
         * @implements IHostInfo
         * @constructor
         * @param {lars.IHostInfo=} [properties] Properties to set
         */
        function HostInfo(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * HostInfo ip.
         * @member {number} ip
         * @memberof lars.HostInfo
         * @instance
         */
        HostInfo.prototype.ip = 0;

        /**
         * HostInfo port.
         * @member {number} port
         * @memberof lars.HostInfo
         * @instance
         */
        HostInfo.prototype.port = 0;

        /**
         * Encodes the specified HostInfo message. Does not implicitly {@link lars.HostInfo.verify|verify} messages.
         * @function encode
         * @memberof lars.HostInfo
         * @static
         * @param {lars.IHostInfo} message HostInfo message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        HostInfo.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.ip)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.ip | 0);
            if (message.port)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.port | 0);
            return writer;
        };

        /**
         * Decodes a HostInfo message from the specified reader or buffer.
         * @function decode
         * @memberof lars.HostInfo
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.HostInfo} HostInfo
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        HostInfo.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.HostInfo();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.ip = $varint(reader);
                        break;
                    }
                case 16: {
                        message.port = ($varint(reader) | 0);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 2);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return HostInfo;
    })();

    lars.GetRouteRequest = (function() {

        /**
         * Properties of a GetRouteRequest.
         * @memberof lars
         * @interface IGetRouteRequest
         * @property {number|null} [modid] GetRouteRequest modid
         * @property {number|null} [cmdid] GetRouteRequest cmdid
         */

        /**
         * Constructs a new GetRouteRequest.
         * @memberof lars
         * @classdesc Represents a GetRouteRequest.
         * @implements IGetRouteRequest
         * @constructor
         * @param {lars.IGetRouteRequest=} [properties] Properties to set
         */
        function GetRouteRequest(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * GetRouteRequest modid.
         * @member {number} modid
         * @memberof lars.GetRouteRequest
         * @instance
         */
        GetRouteRequest.prototype.modid = 0;

        /**
         * GetRouteRequest cmdid.
         * @member {number} cmdid
         * @memberof lars.GetRouteRequest
         * @instance
         */
        GetRouteRequest.prototype.cmdid = 0;

        /**
         * Encodes the specified GetRouteRequest message. Does not implicitly {@link lars.GetRouteRequest.verify|verify} messages.
         * @function encode
         * @memberof lars.GetRouteRequest
         * @static
         * @param {lars.IGetRouteRequest} message GetRouteRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        GetRouteRequest.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.modid)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.cmdid | 0);
            return writer;
        };

        /**
         * Decodes a GetRouteRequest message from the specified reader or buffer.
         * @function decode
         * @memberof lars.GetRouteRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.GetRouteRequest} GetRouteRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GetRouteRequest.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.GetRouteRequest();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 16: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 2);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return GetRouteRequest;
    })();

    lars.GetRouteResponse = (function() {

        /**
         * Properties of a GetRouteResponse.
         * @memberof lars
         * @interface IGetRouteResponse
         * @property {number|null} [modid] GetRouteResponse modid
         * @property {number|null} [cmdid] GetRouteResponse cmdid
         * @property {Array.<lars.IHostInfo>|null} [host] GetRouteResponse host
         */

        /**
         * Constructs a new GetRouteResponse.
         * @memberof lars
         * @classdesc Represents a GetRouteResponse.
         * @implements IGetRouteResponse
         * @constructor
         * @param {lars.IGetRouteResponse=} [properties] Properties to set
         */
        function GetRouteResponse(properties) {
            this.host = [];
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * GetRouteResponse modid.
         * @member {number} modid
         * @memberof lars.GetRouteResponse
         * @instance
         */
        GetRouteResponse.prototype.modid = 0;

        /**
         * GetRouteResponse cmdid.
         * @member {number} cmdid
         * @memberof lars.GetRouteResponse
         * @instance
         */
        GetRouteResponse.prototype.cmdid = 0;

        /**
         * GetRouteResponse host.
         * @member {Array.<lars.IHostInfo>} host
         * @memberof lars.GetRouteResponse
         * @instance
         */
        GetRouteResponse.prototype.host = $util.emptyArray;

        /**
         * Encodes the specified GetRouteResponse message. Does not implicitly {@link lars.GetRouteResponse.verify|verify} messages.
         * @function encode
         * @memberof lars.GetRouteResponse
         * @static
         * @param {lars.IGetRouteResponse} message GetRouteResponse message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        GetRouteResponse.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.modid)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.cmdid | 0);
            if (message.host != null && message.host.length)
                for (let i = 0; i < message.host.length; ++i)
                    $root.lars.HostInfo.encode(message.host[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
            return writer;
        };

        /**
         * Decodes a GetRouteResponse message from the specified reader or buffer.
         * @function decode
         * @memberof lars.GetRouteResponse
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.GetRouteResponse} GetRouteResponse
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GetRouteResponse.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.GetRouteResponse();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 16: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                case 26: {
                        if (!(message.host && message.host.length))
                            message.host = [];
                        message.host.push($root.lars.HostInfo.decode(reader, $varint(reader), undefined, long + 1));
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 3);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return GetRouteResponse;
    })();

    lars.HostCallResult = (function() {

        /**
         * Properties of a HostCallResult.
         * @memberof lars
         * @interface IHostCallResult
         * @property {number|null} [ip] HostCallResult ip
         * @property {number|null} [port] HostCallResult port
         * @property {number|null} [succ] HostCallResult succ
         * @property {number|null} [err] HostCallResult err
         * @property {boolean|null} [overload] HostCallResult overload
         */

        /**
         * Constructs a new HostCallResult.
         * @memberof lars
         * @classdesc Represents a HostCallResult.
         * @implements IHostCallResult
         * @constructor
         * @param {lars.IHostCallResult=} [properties] Properties to set
         */
        function HostCallResult(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * HostCallResult ip.
         * @member {number} ip
         * @memberof lars.HostCallResult
         * @instance
         */
        HostCallResult.prototype.ip = 0;

        /**
         * HostCallResult port.
         * @member {number} port
         * @memberof lars.HostCallResult
         * @instance
         */
        HostCallResult.prototype.port = 0;

        /**
         * HostCallResult succ.
         * @member {number} succ
         * @memberof lars.HostCallResult
         * @instance
         */
        HostCallResult.prototype.succ = 0;

        /**
         * HostCallResult err.
         * @member {number} err
         * @memberof lars.HostCallResult
         * @instance
         */
        HostCallResult.prototype.err = 0;

        /**
         * HostCallResult overload.
         * @member {boolean} overload
         * @memberof lars.HostCallResult
         * @instance
         */
        HostCallResult.prototype.overload = false;

        /**
         * Encodes the specified HostCallResult message. Does not implicitly {@link lars.HostCallResult.verify|verify} messages.
         * @function encode
         * @memberof lars.HostCallResult
         * @static
         * @param {lars.IHostCallResult} message HostCallResult message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        HostCallResult.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.ip)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.ip | 0);
            if (message.port)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.port | 0);
            if (message.succ)
                writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.succ);
            if (message.err)
                writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.err);
            if (message.overload)
                writer.uint32(/* id 5, wireType 0 =*/40).bool(message.overload);
            return writer;
        };

        /**
         * Decodes a HostCallResult message from the specified reader or buffer.
         * @function decode
         * @memberof lars.HostCallResult
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.HostCallResult} HostCallResult
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        HostCallResult.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.HostCallResult();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.ip = $varint(reader);
                        break;
                    }
                case 16: {
                        message.port = ($varint(reader) | 0);
                        break;
                    }
                case 24: {
                        message.succ = $varint(reader);
                        break;
                    }
                case 32: {
                        message.err = $varint(reader);
                        break;
                    }
                case 40: {
                        message.overload = ($varint(reader) !== 0);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 5);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return HostCallResult;
    })();

    lars.ReportStatusRequest = (function() {

        /**
         * Properties of a ReportStatusRequest.
         * @memberof lars
         * @interface IReportStatusRequest
         * @property {number|null} [modid] ReportStatusRequest modid
         * @property {number|null} [cmdid] ReportStatusRequest cmdid
         * @property {number|null} [caller] ReportStatusRequest caller
         * @property {Array.<lars.IHostCallResult>|null} [results] ReportStatusRequest results
         * @property {number|null} [ts] ReportStatusRequest ts
         */

        /**
         * Constructs a new ReportStatusRequest.
         * @memberof lars
         * @classdesc Represents a ReportStatusRequest.
         * @implements IReportStatusRequest
         * @constructor
         * @param {lars.IReportStatusRequest=} [properties] Properties to set
         */
        function ReportStatusRequest(properties) {
            this.results = [];
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * ReportStatusRequest modid.
         * @member {number} modid
         * @memberof lars.ReportStatusRequest
         * @instance
         */
        ReportStatusRequest.prototype.modid = 0;

        /**
         * ReportStatusRequest cmdid.
         * @member {number} cmdid
         * @memberof lars.ReportStatusRequest
         * @instance
         */
        ReportStatusRequest.prototype.cmdid = 0;

        /**
         * ReportStatusRequest caller.
         * @member {number} caller
         * @memberof lars.ReportStatusRequest
         * @instance
         */
        ReportStatusRequest.prototype.caller = 0;

        /**
         * ReportStatusRequest results.
         * @member {Array.<lars.IHostCallResult>} results
         * @memberof lars.ReportStatusRequest
         * @instance
         */
        ReportStatusRequest.prototype.results = $util.emptyArray;

        /**
         * ReportStatusRequest ts.
         * @member {number} ts
         * @memberof lars.ReportStatusRequest
         * @instance
         */
        ReportStatusRequest.prototype.ts = 0;

        /**
         * Encodes the specified ReportStatusRequest message. Does not implicitly {@link lars.ReportStatusRequest.verify|verify} messages.
         * @function encode
         * @memberof lars.ReportStatusRequest
         * @static
         * @param {lars.IReportStatusRequest} message ReportStatusRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ReportStatusRequest.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.modid)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.cmdid | 0);
            if (message.caller)
                writer.uint32(/* id 3, wireType 0 =*/24).int32(message.caller | 0);
            if (message.results != null && message.results.length)
                for (let i = 0; i < message.results.length; ++i)
                    $root.lars.HostCallResult.encode(message.results[i], writer.uint32(/* id 4, wireType 2 =*/34).fork(), q + 1).ldelim();
            if (message.ts)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.ts);
            return writer;
        };

        /**
         * Decodes a ReportStatusRequest message from the specified reader or buffer.
         * @function decode
         * @memberof lars.ReportStatusRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.ReportStatusRequest} ReportStatusRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ReportStatusRequest.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.ReportStatusRequest();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 16: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                case 24: {
                        message.caller = $varint(reader);
                        break;
                    }
                case 34: {
                        if (!(message.results && message.results.length))
                            message.results = [];
                        message.results.push($root.lars.HostCallResult.decode(reader, $varint(reader), undefined, long + 1));
                        break;
                    }
                case 40: {
                        message.ts = $varint(reader);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 5);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return ReportStatusRequest;
    })();

    lars.GetHostRequest = (function() {

        /**
         * Properties of a GetHostRequest.
         * @memberof lars
         * @interface IGetHostRequest
         * @property {number|null} [seq] GetHostRequest seq
         * @property {number|null} [modid] GetHostRequest modid
         * @property {number|null} [cmdid] GetHostRequest cmdid
         */

        /**
         * Constructs a new GetHostRequest.
         * @memberof lars
         * @classdesc Represents a GetHostRequest.
         * @implements IGetHostRequest
         * @constructor
         * @param {lars.IGetHostRequest=} [properties] Properties to set
         */
        function GetHostRequest(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * GetHostRequest seq.
         * @member {number} seq
         * @memberof lars.GetHostRequest
         * @instance
         */
        GetHostRequest.prototype.seq = 0;

        /**
         * GetHostRequest modid.
         * @member {number} modid
         * @memberof lars.GetHostRequest
         * @instance
         */
        GetHostRequest.prototype.modid = 0;

        /**
         * GetHostRequest cmdid.
         * @member {number} cmdid
         * @memberof lars.GetHostRequest
         * @instance
         */
        GetHostRequest.prototype.cmdid = 0;

        /**
         * Encodes the specified GetHostRequest message. Does not implicitly {@link lars.GetHostRequest.verify|verify} messages.
         * @function encode
         * @memberof lars.GetHostRequest
         * @static
         * @param {lars.IGetHostRequest} message GetHostRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        GetHostRequest.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.seq)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.seq);
            if (message.modid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 3, wireType 0 =*/24).int32(message.cmdid | 0);
            return writer;
        };

        /**
         * Decodes a GetHostRequest message from the specified reader or buffer.
         * @function decode
         * @memberof lars.GetHostRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.GetHostRequest} GetHostRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GetHostRequest.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.GetHostRequest();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.seq = $varint(reader);
                        break;
                    }
                case 16: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 24: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 3);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return GetHostRequest;
    })();

    lars.GetHostResponse = (function() {

        /**
         * Properties of a GetHostResponse.
         * @memberof lars
         * @interface IGetHostResponse
         * @property {number|null} [seq] GetHostResponse seq
         * @property {number|null} [modid] GetHostResponse modid
         * @property {number|null} [cmdid] GetHostResponse cmdid
         * @property {number|null} [retcode] GetHostResponse retcode
         * @property {lars.IHostInfo|null} [host] GetHostResponse host
         */

        /**
         * Constructs a new GetHostResponse.
         * @memberof lars
         * @classdesc Represents a GetHostResponse.
         * @implements IGetHostResponse
         * @constructor
         * @param {lars.IGetHostResponse=} [properties] Properties to set
         */
        function GetHostResponse(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * GetHostResponse seq.
         * @member {number} seq
         * @memberof lars.GetHostResponse
         * @instance
         */
        GetHostResponse.prototype.seq = 0;

        /**
         * GetHostResponse modid.
         * @member {number} modid
         * @memberof lars.GetHostResponse
         * @instance
         */
        GetHostResponse.prototype.modid = 0;

        /**
         * GetHostResponse cmdid.
         * @member {number} cmdid
         * @memberof lars.GetHostResponse
         * @instance
         */
        GetHostResponse.prototype.cmdid = 0;

        /**
         * GetHostResponse retcode.
         * @member {number} retcode
         * @memberof lars.GetHostResponse
         * @instance
         */
        GetHostResponse.prototype.retcode = 0;

        /**
         * GetHostResponse host.
         * @member {lars.IHostInfo|null|undefined} host
         * @memberof lars.GetHostResponse
         * @instance
         */
        GetHostResponse.prototype.host = null;

        /**
         * Encodes the specified GetHostResponse message. Does not implicitly {@link lars.GetHostResponse.verify|verify} messages.
         * @function encode
         * @memberof lars.GetHostResponse
         * @static
         * @param {lars.IGetHostResponse} message GetHostResponse message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        GetHostResponse.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.seq)
                writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.seq);
            if (message.modid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 3, wireType 0 =*/24).int32(message.cmdid | 0);
            if (message.retcode)
                writer.uint32(/* id 4, wireType 0 =*/32).int32(message.retcode | 0);
            if (message.host != null && Object.hasOwnProperty.call(message, "host"))
                $root.lars.HostInfo.encode(message.host, writer.uint32(/* id 5, wireType 2 =*/42).fork(), q + 1).ldelim();
            return writer;
        };

        /**
         * Decodes a GetHostResponse message from the specified reader or buffer.
         * @function decode
         * @memberof lars.GetHostResponse
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.GetHostResponse} GetHostResponse
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GetHostResponse.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.GetHostResponse();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.seq = $varint(reader);
                        break;
                    }
                case 16: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 24: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                case 32: {
                        message.retcode = ($varint(reader) | 0);
                        break;
                    }
                case 42: {
                        message.host = $root.lars.HostInfo.decode(reader, $varint(reader), undefined, long + 1);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 5);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return GetHostResponse;
    })();

    lars.ReportRequest = (function() {

        /**
         * Properties of a ReportRequest.
         * @memberof lars
         * @interface IReportRequest
         * @property {number|null} [modid] ReportRequest modid
         * @property {number|null} [cmdid] ReportRequest cmdid
         * @property {lars.IHostInfo|null} [host] ReportRequest host
         * @property {number|null} [retcode] ReportRequest retcode
         * @property {number|null} [timecost] ReportRequest timecost
         */

        /**
         * Constructs a new ReportRequest.
         * @memberof lars
         * @classdesc Represents a ReportRequest.
         * @implements IReportRequest
         * @constructor
         * @param {lars.IReportRequest=} [properties] Properties to set
         */
        function ReportRequest(properties) {
            if (properties)
                for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        }

        /**
         * ReportRequest modid.
         * @member {number} modid
         * @memberof lars.ReportRequest
         * @instance
         */
        ReportRequest.prototype.modid = 0;

        /**
         * ReportRequest cmdid.
         * @member {number} cmdid
         * @memberof lars.ReportRequest
         * @instance
         */
        ReportRequest.prototype.cmdid = 0;

        /**
         * ReportRequest host.
         * @member {lars.IHostInfo|null|undefined} host
         * @memberof lars.ReportRequest
         * @instance
         */
        ReportRequest.prototype.host = null;

        /**
         * ReportRequest retcode.
         * @member {number} retcode
         * @memberof lars.ReportRequest
         * @instance
         */
        ReportRequest.prototype.retcode = 0;

        /**
         * ReportRequest timecost.
         * @member {number} timecost
         * @memberof lars.ReportRequest
         * @instance
         */
        ReportRequest.prototype.timecost = 0;

        /**
         * Encodes the specified ReportRequest message. Does not implicitly {@link lars.ReportRequest.verify|verify} messages.
         * @function encode
         * @memberof lars.ReportRequest
         * @static
         * @param {lars.IReportRequest} message ReportRequest message or plain object to encode
         * @param {$protobuf.Writer} [writer] Writer to encode to
         * @returns {$protobuf.Writer} Writer
         */
        ReportRequest.encode = function encode(message, writer, q) {
            if (!writer)
                writer = $Writer.create();
            if (q === undefined)
                q = 0;
            if (q > $util.recursionLimit)
                throw Error("max depth exceeded");
            if (message.modid)
                writer.uint32(/* id 1, wireType 0 =*/8).int32(message.modid | 0);
            if (message.cmdid)
                writer.uint32(/* id 2, wireType 0 =*/16).int32(message.cmdid | 0);
            if (message.host != null && Object.hasOwnProperty.call(message, "host"))
                $root.lars.HostInfo.encode(message.host, writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
            if (message.retcode)
                writer.uint32(/* id 4, wireType 0 =*/32).int32(message.retcode | 0);
            if (message.timecost)
                writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.timecost);
            return writer;
        };

        /**
         * Decodes a ReportRequest message from the specified reader or buffer.
         * @function decode
         * @memberof lars.ReportRequest
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {lars.ReportRequest} ReportRequest
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ReportRequest.decode = function decode(reader, length, error, long) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (long === undefined)
                long = 0;
            if (long > $Reader.recursionLimit)
                throw Error("maximum nesting depth exceeded");
            let end, message;
            if (length === undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = new $root.lars.ReportRequest();
            while (reader.pos < end) {
                let tag = $varint(reader);
                if (tag === error)
                    break;
                switch (tag) {
                case 8: {
                        message.modid = ($varint(reader) | 0);
                        break;
                    }
                case 16: {
                        message.cmdid = ($varint(reader) | 0);
                        break;
                    }
                case 26: {
                        message.host = $root.lars.HostInfo.decode(reader, $varint(reader), undefined, long + 1);
                        break;
                    }
                case 32: {
                        message.retcode = ($varint(reader) | 0);
                        break;
                    }
                case 40: {
                        message.timecost = $varint(reader);
                        break;
                    }
                default:
                    $skipUnknown(reader, tag, 5);
                    break;
                }
            }
            if (length !== undefined) {
                if (reader.pos !== end)
                    throw RangeError("index out of range");
                reader.len = length;
            }
            return message;
        };

        return ReportRequest;
    })();

    return lars;
})();

export { $root as default };
